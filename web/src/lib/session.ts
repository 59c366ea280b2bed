/**
 * The signed-in token and the chosen tenant, kept in sessionStorage so a reload stays
 * signed in and closing the tab signs out. Components subscribe with useSession().
 */
import { useEffect, useState } from 'preact/hooks';

export interface Session {
  token: string;
  /** Instance admin tokens may act for any tenant; tenant tokens act in their own. */
  instanceAdmin: boolean;
  /** The tenant sent as X-Tenant-ID (instance admin tokens only). */
  tenantId: string | null;
}

const KEY = 'dirsync.session';
const listeners = new Set<() => void>();
let notice: string | null = null;

export function getSession(): Session | null {
  try {
    const raw = sessionStorage.getItem(KEY);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<Session>;
    if (typeof parsed.token !== 'string' || !parsed.token) return null;
    return {
      token: parsed.token,
      instanceAdmin: parsed.instanceAdmin === true,
      tenantId: typeof parsed.tenantId === 'string' ? parsed.tenantId : null,
    };
  } catch {
    return null;
  }
}

function emit(): void {
  for (const fn of listeners) fn();
}

export function signIn(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
  notice = null;
  emit();
}

export function setTenant(tenantId: string | null): void {
  const current = getSession();
  if (!current) return;
  sessionStorage.setItem(KEY, JSON.stringify({ ...current, tenantId }));
  emit();
}

export function signOut(message: string | null = null): void {
  sessionStorage.removeItem(KEY);
  notice = message;
  emit();
}

/** A message for the sign-in screen (why the session ended), read once. */
export function takeNotice(): string | null {
  const n = notice;
  notice = null;
  return n;
}

export function useSession(): Session | null {
  const [session, set] = useState(getSession);
  useEffect(() => {
    const fn = () => set(getSession());
    listeners.add(fn);
    return () => void listeners.delete(fn);
  }, []);
  return session;
}
