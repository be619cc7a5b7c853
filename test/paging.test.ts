// The shared paging helpers (src/vendors/paging.ts): each style's requests, how a listing ends, when
// a full listing counts as complete, the guards against vendors that page forever, and the
// "full scan every N polls" schedule. The vendor here is a plain function over an array.
import { describe, expect, it } from 'vitest';
import { FullScanSchedule, getPath, listPages, scanFields, type ListedPage, type Paging, type Query } from '../src/vendors/paging.js';
import { VendorError } from '../src/vendors/http.js';

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `l${String(i + 1).padStart(2, '0')}`, n: i + 1 }));

async function collect(paging: Paging, answer: (q: Query, call: number) => unknown, opts: { readAhead?: boolean; idOf?: (r: any) => string | null } = {}) {
  const queries: Query[] = [];
  const pages: ListedPage[] = [];
  for await (const page of listPages({
    paging,
    where: 'test GET /leads',
    fetch: async (q) => {
      queries.push(q);
      return answer(q, queries.length);
    },
    ...opts,
  })) {
    pages.push(page);
  }
  return { queries, pages, ids: pages.flatMap((p) => p.items.map((i) => i.id)), end: pages.at(-1)!.end };
}

async function failure(paging: Paging, answer: (q: Query, call: number) => unknown): Promise<VendorError> {
  const err = await collect(paging, answer).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(VendorError);
  expect((err as VendorError).code).toBe('vendor_bad_response');
  return err as VendorError;
}

describe('page/pageSize with total (Nexus ERP)', () => {
  const all = records(10);
  const paging: Paging = {
    style: 'page', records: 'data', pageSize: 4, sizeParam: 'pageSize', pageParam: 'page',
    hasNext: 'pagination.hasNextPage', totalPages: 'pagination.totalPages', total: 'pagination.total',
  };
  const vendor = (q: Query) => {
    const page = Number(q.page);
    return { data: all.slice((page - 1) * 4, page * 4), pagination: { total: 10, totalPages: 3, hasNextPage: page < 3 } };
  };

  it('reads pages 1..totalPages and calls the listing complete, expecting total distinct ids', async () => {
    const got = await collect(paging, vendor);
    expect(got.queries).toEqual([{ pageSize: 4, page: 1 }, { pageSize: 4, page: 2 }, { pageSize: 4, page: 3 }]);
    expect(got.ids).toEqual(all.map((r) => r.id));
    expect(got.pages.map((p) => [p.index, p.last])).toEqual([[1, false], [2, false], [3, true]]);
    expect(got.end).toEqual({ complete: true, expectListed: 10 });
    expect(got.pages.slice(0, 2).every((p) => p.end === undefined)).toBe(true);
    expect(got.pages.map((p) => scanFields(p, true))).toEqual([
      { fullScan: true },
      { fullScan: true },
      { fullScan: true, scanEnd: { complete: true, expectListed: 10 } },
    ]);
    expect(scanFields(got.pages[2]!, false)).toEqual({}); // an incremental listing is no scan
  });

  it('a listing that says "no more" before totalPages is incomplete', async () => {
    const got = await collect(paging, (q) => {
      const body = vendor(q);
      if (q.page === 2) body.pagination.hasNextPage = false;
      return body;
    });
    expect(got.end).toEqual({ complete: false, reason: 'listing ended on page 2 of 3' });
  });

  it('fewer rows than the total is incomplete; records without an id are skipped, counted, and taken off the expected ids', async () => {
    const short = await collect(paging, (q) => {
      const body = vendor(q);
      if (q.page === 2) body.data.splice(1, 1);
      return body;
    });
    expect(short.end).toEqual({ complete: false, reason: 'listed 9 leads of 10' });

    const noIds = await collect(paging, (q) => {
      const body: any = vendor(q);
      if (q.page === 1) body.data[0] = { name: 'no id' };
      return body;
    });
    expect(noIds.pages[0]!.skipped).toBe(1);
    expect(noIds.ids).toHaveLength(9);
    expect(noIds.end).toEqual({ complete: true, expectListed: 9 });
  });

  it('refuses a vendor that keeps saying "next page" far past its own page count', async () => {
    const err = await failure(paging, () => ({ data: all.slice(0, 4), pagination: { total: 10, totalPages: 3, hasNextPage: true } }));
    expect(err.message).toBe('test GET /leads: response.pagination.hasNextPage still true on page 14 of 3');
  });

  it('names the field when the body is not the described shape', async () => {
    expect((await failure(paging, () => ({ data: {}, pagination: {} }))).message).toBe('test GET /leads: response.data must be an array');
    expect((await failure(paging, () => ({ data: [], pagination: { total: '3' } }))).message).toBe(
      'test GET /leads: response.pagination.total must be a number',
    );
    expect((await failure(paging, () => ({ data: [], pagination: { total: 0, totalPages: 1 } }))).message).toBe(
      'test GET /leads: response.pagination.hasNextPage must be a boolean',
    );
  });

  it('without hasNext or totalPages, ends on a short page', async () => {
    const got = await collect({ style: 'page', records: 'items', pageSize: 5, pageParam: 'p', firstPage: 0 }, (q) => ({
      items: all.slice(Number(q.p) * 5, Number(q.p) * 5 + 5),
    }));
    // 10 records in pages of 5: the third (empty) page is what says the listing ended.
    expect(got.queries).toEqual([{ p: 0 }, { p: 1 }, { p: 2 }]);
    expect(got.ids).toHaveLength(10);
    expect(got.end).toEqual({ complete: true });
  });
});

describe('limit/offset (PenguinMails)', () => {
  const all = records(10);
  const paging: Paging = { style: 'offset', records: 'data', pageSize: 4, sizeParam: 'limit', offsetParam: 'offset', hasMore: 'pagination.has_more', total: 'pagination.total' };

  it('moves the offset by the rows each page held, even when the vendor caps the page below what was asked', async () => {
    const got = await collect(paging, (q) => {
      const offset = Number(q.offset);
      const rows = all.slice(offset, offset + 3); // capped at 3
      return { data: rows, pagination: { total: 10, has_more: offset + 3 < 10 } };
    });
    expect(got.queries.map((q) => q.offset)).toEqual([0, 3, 6, 9]);
    expect(got.queries.every((q) => q.limit === 4)).toBe(true);
    expect(got.ids).toEqual(all.map((r) => r.id));
    expect(got.end).toEqual({ complete: true, expectListed: 10 });
  });

  it('an empty page while the vendor says more follow ends the listing as incomplete', async () => {
    const got = await collect(paging, (q) => ({ data: Number(q.offset) >= 4 ? [] : all.slice(0, 4), pagination: { total: 10, has_more: true } }));
    expect(got.queries).toHaveLength(2);
    expect(got.end).toEqual({ complete: false, reason: 'the page at offset 4 was empty but more were said to follow' });
  });

  it('a row left out of a page shifts the next offset back over one already read: rows add up, distinct ids do not', async () => {
    const got = await collect(paging, (q) => {
      const offset = Number(q.offset);
      const rows = all.slice(offset, offset + 4);
      if (offset === 4) rows.splice(1, 1); // l06 left out: the next page starts at l08, one early
      return { data: rows, pagination: { total: 10, has_more: offset + rows.length < 10 } };
    });
    expect(got.ids.filter((id) => id === 'l06')).toEqual([]);
    // The engine counts the distinct ids listed against expectListed (vendors/types.ts ScanEnd).
    expect(new Set(got.ids).size).toBeLessThan(got.end!.expectListed!);
  });
});

describe('an opaque next token (Apten) or server-made cursor (MEGA)', () => {
  const all = records(7);
  const vendor = (q: Query) => {
    const from = q.nextToken ? Number(String(q.nextToken).slice(1)) : 0;
    const page = all.slice(from, from + 3);
    return { leads: page, nextToken: from + 3 < all.length ? `t${from + 3}` : null };
  };
  const paging: Paging = { style: 'token', records: 'leads', pageSize: 3, sizeParam: 'limit', tokenParam: 'nextToken', next: 'nextToken' };

  it('sends the token back until it is null', async () => {
    const got = await collect(paging, vendor);
    expect(got.queries).toEqual([{ limit: 3 }, { limit: 3, nextToken: 't3' }, { limit: 3, nextToken: 't6' }]);
    expect(got.ids).toEqual(all.map((r) => r.id));
    expect(got.end).toEqual({ complete: true });
  });

  it('an absent token ends the listing, unless it is required on every page', async () => {
    expect((await collect(paging, () => ({ leads: all.slice(0, 3) }))).queries).toHaveLength(1);
    const err = await failure({ ...paging, nextRequired: true }, () => ({ leads: all.slice(0, 3) }));
    expect(err.message).toBe('test GET /leads: response.nextToken must be a string or null');
  });

  it('refuses a token that does not advance, or is not a string', async () => {
    expect((await failure(paging, () => ({ leads: all.slice(0, 3), nextToken: 'same' }))).message).toBe('test GET /leads: response.nextToken did not advance');
    expect((await failure(paging, () => ({ leads: [], nextToken: 42 }))).message).toBe('test GET /leads: response.nextToken must be a string or null');
  });

  it('with a total (MEGA), a listing cut short is incomplete', async () => {
    const got = await collect({ ...paging, total: 'total' }, (q) => ({ ...vendor(q), total: 8 }));
    expect(got.end).toEqual({ complete: false, reason: 'listed 7 leads of 8' });
  });

  it('with readAhead, asks for the next page before handing this one over', async () => {
    const sentWhenHandedOver: number[] = [];
    let sent = 0;
    for await (const page of listPages({
      paging,
      where: 'test GET /leads',
      readAhead: true,
      fetch: async (q) => {
        sent++;
        return vendor(q);
      },
    })) {
      sentWhenHandedOver.push(sent - page.index);
    }
    expect(sentWhenHandedOver).toEqual([1, 1, 0]); // one request ahead, except on the last page
  });

  it('a read-ahead that fails after the consumer stopped is no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      let calls = 0;
      for await (const page of listPages({
        paging,
        where: 'test GET /leads',
        readAhead: true,
        fetch: async (q) => {
          calls++;
          if (calls === 2) throw new Error('page 2 failed');
          return vendor(q);
        },
      })) {
        expect(page.index).toBe(1);
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toBe(2);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('a keyset cursor from the last record', () => {
  const all = records(9);
  const paging: Paging = { style: 'keyset', records: '', pageSize: 4, sizeParam: 'limit', afterParam: 'starting_after', afterField: 'id' };
  const vendor = (q: Query) => all.filter((r) => q.starting_after === undefined || r.id > String(q.starting_after)).slice(0, 4);

  it('sends the last id back until a short page (here: the body is the array itself)', async () => {
    const got = await collect(paging, vendor);
    expect(got.queries).toEqual([{ limit: 4 }, { limit: 4, starting_after: 'l04' }, { limit: 4, starting_after: 'l08' }]);
    expect(got.ids).toEqual(all.map((r) => r.id));
  });

  it('pages on a numeric field too, and honours has_more', async () => {
    const got = await collect({ ...paging, records: 'data', afterField: 'n', hasMore: 'has_more' }, (q) => {
      const rows = all.filter((r) => q.starting_after === undefined || r.n > Number(q.starting_after)).slice(0, 4);
      return { data: rows, has_more: rows.length > 0 && rows.at(-1)!.n < 9 };
    });
    expect(got.queries.map((q) => q.starting_after)).toEqual([undefined, '4', '8']);
    expect(got.ids).toHaveLength(9);
  });

  it('refuses a last record without the field, or one that does not advance', async () => {
    expect((await failure(paging, () => records(4))).message).toBe(
      'test GET /leads: id of the last record did not advance',
    );
    expect((await failure({ ...paging, afterField: 'seq' }, () => records(4))).message).toBe(
      "test GET /leads: the last record's seq must be a string or number to page on",
    );
  });

  it('uses the adapter\'s id reader: numeric ids become strings, records without one are skipped', async () => {
    const got = await collect(paging, (q) => (q.starting_after ? [] : [{ key: 7 }, { key: 'x' }, { other: 1 }]), {
      idOf: (r) => (typeof r.key === 'number' ? String(r.key) : typeof r.key === 'string' ? r.key : null),
    });
    expect(got.ids).toEqual(['7', 'x']);
    expect(got.pages[0]!.skipped).toBe(1);
  });
});

describe('getPath', () => {
  it('reads dotted paths, and undefined where a step is missing or not an object', () => {
    const body = { a: { b: { c: 1 } }, list: [1] };
    expect(getPath(body, 'a.b.c')).toBe(1);
    expect(getPath(body, '')).toBe(body);
    expect(getPath(body, 'a.x.c')).toBeUndefined();
    expect(getPath(body, 'list.0')).toBeUndefined();
    expect(getPath(null, 'a')).toBeUndefined();
  });
});

describe('FullScanSchedule: a full scan every N polls', () => {
  it('the first poll is full; then every Nth; a poll counts only on its last page', () => {
    const every = 3;
    let stored: number | undefined;
    const kinds: string[] = [];
    for (let poll = 0; poll < 7; poll++) {
      const s = new FullScanSchedule({ every, pollsSinceFull: stored, first: poll === 0 });
      kinds.push(s.full ? 'full' : 'incr');
      expect(s.pollsAfter(false)).toBe(stored ?? 0); // a page before the last changes nothing
      stored = s.pollsAfter(true);
    }
    expect(kinds).toEqual(['full', 'incr', 'incr', 'full', 'incr', 'incr', 'full']);
  });

  it('a full scan cut short is repeated at the next poll', () => {
    const s = new FullScanSchedule({ every: 3, pollsSinceFull: 2, first: false });
    expect(s.full).toBe(true);
    const crashed = s.pollsAfter(false); // only its first page was committed
    expect(new FullScanSchedule({ every: 3, pollsSinceFull: crashed, first: false }).full).toBe(true);
  });

  it('every 1 lists everything every poll', () => {
    expect(new FullScanSchedule({ every: 1, pollsSinceFull: 0, first: false }).full).toBe(true);
  });
});
