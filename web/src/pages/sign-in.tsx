/** Sign in with an API token; an instance admin token also gets the tenant switcher. */
import { useState } from 'preact/hooks';
import { ApiError, request } from '../lib/api.js';
import { signIn, takeNotice } from '../lib/session.js';
import type { Tenant } from '../lib/types.js';

export function SignIn() {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [notice] = useState(takeNotice);
  const [busy, setBusy] = useState(false);

  const submit = async (e: Event) => {
    e.preventDefault();
    const value = token.trim();
    if (!value) {
      setError('Paste an API token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // The tenants list answers only instance admin tokens: a 403 means a tenant token.
      let instanceAdmin = false;
      let tenantId: string | null = null;
      try {
        const tenants = await request<{ data: Tenant[] }>('GET', '/tenants', {
          token: value,
          tenantId: null,
        });
        instanceAdmin = true;
        tenantId = tenants.data[0]?.id ?? null;
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 403) throw err;
        // A tenant token: check that it can read the directories the console opens on.
        await request('GET', '/directories', { token: value, tenantId: null, query: { limit: 1 } });
      }
      signIn({ token: value, instanceAdmin, tenantId });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401)
        setError('This token is not valid, or it was revoked.');
      else if (err instanceof ApiError && err.status === 403)
        setError(`This token cannot use the console: ${err.message}.`);
      else if (err instanceof ApiError && err.status === 429) setError(err.message);
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" class="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title" class="card">
        <h1 id="sign-in-title">Sign in to dirsync</h1>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        <div class={`field${error ? ' has-error' : ''}`}>
          <label for="token">API token</label>
          <input
            id="token"
            name="token"
            type="password"
            autoComplete="off"
            spellcheck={false}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
            aria-describedby="token-help"
            aria-invalid={error ? true : undefined}
            autoFocus
          />
          <p class="help" id="token-help">
            The instance admin token printed at first start, or a token from{' '}
            <code>dirsync token create</code>. It is kept in this browser tab only.
          </p>
          {error ? (
            <p class="field-error" role="alert">
              {error}
            </p>
          ) : null}
        </div>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
