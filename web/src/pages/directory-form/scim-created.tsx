/** After a SCIM endpoint is created: its URL and token, the token shown this once. */
import { absoluteUrl } from '../../lib/format.js';
import { Link } from '../../lib/router.js';
import type { Directory } from '../../lib/types.js';
import { CopyValue, PageHeader } from '../../lib/ui.js';

export function ScimCreated({ created }: { created: Directory }) {
  return (
    <>
      <PageHeader title="SCIM endpoint created" />
      <section class="card" aria-labelledby="scim-created">
        <h2 id="scim-created">Configure {created.name} in your identity provider</h2>
        <p>
          Enter this URL and token in the provider's provisioning settings. The token is shown only
          now: copy it before you leave this page.
        </p>
        {created.scimEndpointUrl ? (
          <CopyValue label="SCIM endpoint URL" value={absoluteUrl(created.scimEndpointUrl)} />
        ) : null}
        <CopyValue label="SCIM bearer token" value={created.scimToken ?? ''} />
        <p>
          <Link class="button" href={`/directories/${created.id}`}>
            I have copied the token — go to the directory
          </Link>
        </p>
      </section>
    </>
  );
}
