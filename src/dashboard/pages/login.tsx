// The login page: one labelled password field for a token, posted to /login. The token is never
// put in a URL or in the browser's storage; what comes back is a session cookie.
import { BareLayout } from '../layout.js';
import type { Flash } from '../view.js';

export function LoginPage(props: { root: string; error?: string; flash?: Flash | null }) {
  return (
    <BareLayout root={props.root} title="Log in">
      <div class="login">
        <h1>leadrelay</h1>
        {props.flash && (
          <p class={`flash ${props.flash.kind}`} role="status">
            {props.flash.text}
          </p>
        )}
        <form method="post" action={`${props.root}login`}>
          {props.error && (
            <p class="error-text" role="alert" id="login-error">
              {props.error}
            </p>
          )}
          <label for="token">Token</label>
          <input
            type="password"
            id="token"
            name="token"
            required
            autofocus
            autocomplete="current-password"
            spellcheck={false}
            aria-describedby={props.error ? 'token-hint login-error' : 'token-hint'}
          />
          <p class="hint" id="token-hint">
            server.adminToken, or a token of server.tokens with the admin scope (or read, for a read-only view).
          </p>
          <button type="submit">Log in</button>
        </form>
      </div>
    </BareLayout>
  );
}
