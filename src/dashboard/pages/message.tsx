// A page that only says something: a refusal (403, 404, 429) or an error, with a way back.
import { BareLayout } from '../layout.js';

export function MessagePage(props: { root: string; title: string; text: string }) {
  return (
    <BareLayout root={props.root} title={props.title}>
      <div class="login">
        <h1>{props.title}</h1>
        <p>{props.text}</p>
        <p>
          <a href={props.root}>Back to the dashboard</a>
        </p>
      </div>
    </BareLayout>
  );
}
