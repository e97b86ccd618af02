/**
 * The app: asks the server who is signed in, shows the sign-in page or the pages, and the agent's
 * screen pop on every page.
 */
import { useCallback, useEffect, useState } from 'react';
import { api, setCsrfToken, whenUnauthorized, type Session } from './api.ts';
import { Layout } from './layout.tsx';
import { ActionsPage } from './pages/actions.tsx';
import { CallDetailPage } from './pages/call-detail.tsx';
import { ConnectionsPage } from './pages/connections.tsx';
import { IntegrationsPage } from './pages/integrations.tsx';
import { JournalPage } from './pages/journal.tsx';
import { KeysPage } from './pages/keys.tsx';
import { LivePage } from './pages/live.tsx';
import { PhonebookPage } from './pages/phonebook.tsx';
import { SettingsPage } from './pages/settings.tsx';
import { SignInPage } from './pages/sign-in.tsx';
import { SourcesPage } from './pages/sources.tsx';
import { UsersPage } from './pages/users.tsx';
import { navigate, useLocation } from './router.tsx';
import { ScreenPop } from './screen-pop.tsx';
import { AppProvider } from './session.tsx';

export function App() {
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const { path } = useLocation();

  const adopt = useCallback((s: Session | null) => {
    setCsrfToken(s?.csrfToken ?? null);
    setSession(s);
  }, []);

  useEffect(() => {
    whenUnauthorized(() => adopt(null));
    api<Session>('GET', '/api/v1/session').then(adopt, () => adopt(null));
  }, [adopt]);

  const signOut = useCallback(() => {
    api('DELETE', '/api/v1/session').finally(() => {
      adopt(null);
      navigate('/sign-in');
    });
  }, [adopt]);

  if (session === undefined) return null;
  if (session === null) {
    return (
      <SignInPage
        onSignedIn={(s) => {
          adopt(s);
          if (path === '/sign-in' || path === '/') navigate('/live', { replace: true });
        }}
      />
    );
  }
  return (
    <AppProvider session={session} signOut={signOut} updateSession={adopt}>
      <Layout>
        <Page path={path} admin={session.role === 'admin'} />
      </Layout>
      <ScreenPop />
    </AppProvider>
  );
}

function Page({ path, admin }: { path: string; admin: boolean }) {
  if (path === '/' || path === '/sign-in') return <Redirect to="/live" />;
  if (path === '/live') return <LivePage />;
  if (path === '/journal') return <JournalPage />;
  const call = /^\/journal\/([^/]+)$/.exec(path);
  if (call) return <CallDetailPage id={decodeURIComponent(call[1])} />;
  if (path === '/phonebook') return <PhonebookPage />;
  if (path === '/actions') return <ActionsPage />;
  if (admin && path === '/users') return <UsersPage />;
  if (admin && path === '/keys') return <KeysPage />;
  if (admin && path === '/connections') return <ConnectionsPage />;
  if (admin && path === '/sources') return <SourcesPage />;
  if (admin && path === '/integrations') return <IntegrationsPage />;
  if (admin && path === '/settings') return <SettingsPage />;
  return <Redirect to="/live" />;
}

/** Changes the address after rendering (changing it while rendering would update the router mid-render). */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
