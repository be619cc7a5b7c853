// What the subscription page's parts share: its paths, a status's colour, what a POST answered with,
// a form field with its label, hint and error.
import { seg } from '../view.js';
import type { Tone } from '../components.js';
import type { ParsedLog, SettingsForm } from './subscription-data.js';

export const subPath = (id: string, rest = '') => `subscriptions/${seg(id)}${rest}`;

export function statusTone(status: string): Tone {
  return status === 'succeeded' ? 'ok' : status === 'failed' ? 'bad' : 'warn';
}

/** What a POST answered with a page (not a redirect) shows on top of the subscription. */
export interface Extra {
  status?: 200 | 400;
  settings?: SettingsForm;
  settingsErrors?: Record<string, string>;
  /** A secret shown once: on the answer to the POST that revealed or made it, never in a URL. */
  secret?: { title: string; value: string; note: string };
  confirm?: { count: number; log: ParsedLog; failedBy: number };
}

export function Field(props: { id: string; label: string; error?: string; hint?: string; children?: unknown }) {
  return (
    <div class={`field${props.error ? ' invalid' : ''}`}>
      <label for={props.id}>{props.label}</label>
      {props.children as never}
      {props.hint && (
        <div class="small muted" id={`${props.id}-hint`}>
          {props.hint}
        </div>
      )}
      {props.error && (
        <div class="error-text small" id={`${props.id}-error`} role="alert">
          {props.error}
        </div>
      )}
    </div>
  );
}

export const describedBy = (id: string, error?: string, hint?: string) => [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
