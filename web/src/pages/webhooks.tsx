/** Webhook endpoints (URL, event types, signing secret shown once) and their delivery log. */
import { useState } from 'preact/hooks';
import { api, ApiError, type Page } from '../lib/api.js';
import { useLoad, usePaged } from '../lib/hooks.js';
import { Link, navigate } from '../lib/router.js';
import {
  CopyValue,
  DefinitionList,
  Dialog,
  ErrorMessage,
  Field,
  Loading,
  MoreButton,
  PageHeader,
  StatusBadge,
  Time,
} from '../lib/ui.js';
import { eventTypes, type Delivery, type Webhook } from '../lib/types.js';

function typesOf(w: Webhook): string[] {
  return w.eventTypes ?? w.events ?? [];
}

function EventTypePicker({
  value,
  onChange,
  error,
}: {
  value: string[];
  onChange: (v: string[]) => void;
  error?: string;
}) {
  const all = value.includes('*');
  const toggle = (t: string, on: boolean) =>
    onChange(on ? [...value.filter((v) => v !== '*'), t] : value.filter((v) => v !== t));
  return (
    <fieldset class={`event-types${error ? ' has-error' : ''}`}>
      <legend>Event types</legend>
      <label class="checkbox-inline">
        <input
          type="checkbox"
          checked={all}
          onChange={(e) => onChange(e.currentTarget.checked ? ['*'] : [])}
        />
        All events, including types added later
      </label>
      {!all ? (
        <div class="checkbox-grid">
          {eventTypes.map((t) => (
            <label key={t} class="checkbox-inline">
              <input
                type="checkbox"
                checked={value.includes(t)}
                onChange={(e) => toggle(t, e.currentTarget.checked)}
              />
              <code>{t}</code>
            </label>
          ))}
        </div>
      ) : null}
      {error ? <p class="field-error">{error}</p> : null}
    </fieldset>
  );
}

function AddWebhook({ onCreated }: { onCreated: (secret: string | null, w: Webhook) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [types, setTypes] = useState<string[]>(['*']);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await api.post<Webhook & { secret?: string; endpoint?: Webhook }>('/webhooks', {
        url: url.trim(),
        eventTypes: types,
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      setUrl('');
      setDescription('');
      onCreated(res.secret ?? null, res.endpoint ?? res);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'unknown', String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-webhook-title" noValidate>
      <h2 id="add-webhook-title">Add an endpoint</h2>
      {error && error.details.length === 0 ? <ErrorMessage error={error} /> : null}
      <Field
        id="w-url"
        label="Endpoint URL (required)"
        help="dirsync POSTs JSON events here, signed with HMAC-SHA256."
        error={error?.fieldMessage('url')}
      >
        {(aria) => (
          <input
            {...aria}
            type="url"
            value={url}
            placeholder="https://app.example.com/hooks/dirsync"
            onInput={(e) => setUrl(e.currentTarget.value)}
          />
        )}
      </Field>
      <Field id="w-description" label="Description" error={error?.fieldMessage('description')}>
        {(aria) => (
          <input
            {...aria}
            type="text"
            value={description}
            onInput={(e) => setDescription(e.currentTarget.value)}
          />
        )}
      </Field>
      <EventTypePicker
        value={types}
        onChange={setTypes}
        error={error?.fieldMessage('eventTypes')}
      />
      <button type="submit" disabled={busy}>
        {busy ? 'Adding…' : 'Add endpoint'}
      </button>
    </form>
  );
}

export function Webhooks() {
  const hooks = usePaged(
    (after, signal) => api.get<Page<Webhook>>('/webhooks', { limit: 100, after }, signal),
    [],
  );
  const [created, setCreated] = useState<{ secret: string; webhook: Webhook } | null>(null);
  return (
    <>
      <PageHeader title="Webhooks" />
      <p class="help">
        Every change is sent to each endpoint subscribed to its type, retried with backoff for at
        least 24 hours.
      </p>
      {created ? (
        <section class="card result success" aria-labelledby="secret-title" role="status">
          <h2 id="secret-title">Endpoint created</h2>
          <p>Verify each delivery's signature with this secret. It is shown only now.</p>
          <CopyValue label="Signing secret" value={created.secret} />
          <p>
            <Link href={`/webhooks/${created.webhook.id}`}>Open {created.webhook.url}</Link>
          </p>
        </section>
      ) : null}
      <ErrorMessage error={hooks.error} what="Webhooks" />
      {hooks.loading && hooks.items.length === 0 ? <Loading /> : null}
      {!hooks.loading && !hooks.error && hooks.items.length === 0 ? (
        <p class="muted">No endpoints yet.</p>
      ) : null}
      {hooks.items.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Webhook endpoints</caption>
            <thead>
              <tr>
                <th scope="col">URL</th>
                <th scope="col">Events</th>
                <th scope="col">Status</th>
                <th scope="col">Last success</th>
              </tr>
            </thead>
            <tbody>
              {hooks.items.map((w) => (
                <tr key={w.id}>
                  <th scope="row">
                    <Link href={`/webhooks/${w.id}`}>{w.url}</Link>
                    {w.description ? <span class="sub">{String(w.description)}</span> : null}
                  </th>
                  <td>{typesOf(w).includes('*') ? 'All' : typesOf(w).length}</td>
                  <td>
                    <StatusBadge
                      status={w.enabled === false ? 'disabled' : String(w.status ?? 'active')}
                    />
                  </td>
                  <td>
                    <Time iso={w.lastSuccessAt as string | null | undefined} empty="Never" />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <MoreButton hasMore={hooks.hasMore} loading={hooks.loading} onClick={hooks.loadMore} />
      <AddWebhook
        onCreated={(secret, webhook) => {
          if (secret) setCreated({ secret, webhook });
          hooks.reload();
        }}
      />
    </>
  );
}

export function WebhookDetail({ id }: { id: string }) {
  const hook = useLoad((signal) => api.get<Webhook>(`/webhooks/${id}`, undefined, signal), [id]);
  const [status, setStatus] = useState('');
  const deliveries = usePaged(
    (after, signal) =>
      api.get<Page<Delivery>>(
        `/webhooks/${id}/deliveries`,
        { limit: 50, after, status: status || undefined },
        signal,
      ),
    [id, status],
  );
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const redeliver = async (d: Delivery) => {
    setError(null);
    setNotice(null);
    try {
      await api.post(`/webhooks/${id}/deliveries/${d.id}/redeliver`);
      setNotice(`Delivery of ${d.eventType ?? 'the event'} queued again.`);
      deliveries.reload();
    } catch (err) {
      setError(err);
    }
  };
  const toggle = async () => {
    if (!hook.data) return;
    setError(null);
    try {
      await api.patch(`/webhooks/${id}`, { enabled: hook.data.enabled === false });
      hook.reload();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async () => {
    try {
      await api.del(`/webhooks/${id}`);
      navigate('/webhooks');
    } catch (err) {
      setError(err);
      setConfirmDelete(false);
    }
  };

  const w = hook.data;
  if (!w) return hook.error ? <ErrorMessage error={hook.error} what="Webhooks" /> : <Loading />;
  return (
    <>
      <PageHeader title="Webhook endpoint">
        <button type="button" class="secondary" onClick={toggle}>
          {w.enabled === false ? 'Enable' : 'Disable'}
        </button>
        <button type="button" class="secondary danger-text" onClick={() => setConfirmDelete(true)}>
          Delete
        </button>
      </PageHeader>
      <p class="breadcrumb">
        <Link href="/webhooks">Webhooks</Link> › {w.url}
      </p>
      <ErrorMessage error={error} />
      {notice ? (
        <p class="result success" role="status">
          {notice}
        </p>
      ) : null}
      <section class="card" aria-labelledby="hook-facts">
        <h2 id="hook-facts">Endpoint</h2>
        <DefinitionList
          items={[
            ['URL', <code class="wrap">{w.url}</code>],
            [
              'Status',
              <StatusBadge
                status={w.enabled === false ? 'disabled' : String(w.status ?? 'active')}
              />,
            ],
            ['Events', typesOf(w).includes('*') ? 'All events' : typesOf(w).join(', ') || '—'],
            [
              'Last success',
              <Time iso={w.lastSuccessAt as string | null | undefined} empty="Never" />,
            ],
            ['Created', <Time iso={w.createdAt} />],
          ]}
        />
      </section>
      <section aria-labelledby="deliveries-title">
        <h2 id="deliveries-title">Delivery log</h2>
        <div class="filters">
          <div class="filter">
            <label for="delivery-status">Status</label>
            <select
              id="delivery-status"
              value={status}
              onChange={(e) => setStatus(e.currentTarget.value)}
            >
              <option value="">Any</option>
              <option value="pending">Pending</option>
              <option value="delivered">Delivered</option>
              <option value="failed">Failed</option>
            </select>
          </div>
        </div>
        <ErrorMessage error={deliveries.error} what="The delivery log" />
        {!deliveries.loading && !deliveries.error && deliveries.items.length === 0 ? (
          <p class="muted">No deliveries.</p>
        ) : null}
        {deliveries.items.length > 0 ? (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">Deliveries, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Status</th>
                  <th scope="col">Attempts</th>
                  <th scope="col">Last response</th>
                  <th scope="col">Next attempt</th>
                  <th scope="col">
                    <span class="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {deliveries.items.map((d) => (
                  <tr key={d.id}>
                    <td>
                      <code>{d.eventType ?? d.eventId}</code>
                      <span class="sub">
                        <Time iso={d.createdAt} />
                      </span>
                    </td>
                    <td>
                      <StatusBadge status={d.status} />
                    </td>
                    <td>{d.attempts ?? '—'}</td>
                    <td>
                      {(d.lastStatusCode ?? d.responseStatus)
                        ? `HTTP ${String(d.lastStatusCode ?? d.responseStatus)}`
                        : null}
                      {d.lastError ? <span class="sub">{d.lastError}</span> : null}
                      {!(d.lastStatusCode ?? d.responseStatus) && !d.lastError ? '—' : null}
                    </td>
                    <td>
                      <Time iso={d.nextAttemptAt} empty="—" />
                    </td>
                    <td>
                      <button type="button" class="secondary" onClick={() => redeliver(d)}>
                        Redeliver
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
        <MoreButton
          hasMore={deliveries.hasMore}
          loading={deliveries.loading}
          onClick={deliveries.loadMore}
        />
      </section>
      <Dialog
        open={confirmDelete}
        title="Delete this endpoint?"
        onClose={() => setConfirmDelete(false)}
      >
        <p>No further events are sent to {w.url}.</p>
        <div class="form-actions">
          <button type="button" class="danger" onClick={remove}>
            Delete endpoint
          </button>
          <button type="button" class="secondary" onClick={() => setConfirmDelete(false)}>
            Cancel
          </button>
        </div>
      </Dialog>
    </>
  );
}
