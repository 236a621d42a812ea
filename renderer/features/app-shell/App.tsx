import { useBridgeEvent, useLinkStatus } from '../../bridge/bridge-react.tsx';
import { SignInView } from '../sign-in/SignInView.tsx';
import { AppFrame } from './AppFrame.tsx';
import { BrokerUnavailable, LinkBanner } from './BrokerUnavailable.tsx';
import { routeForNavigateTarget } from './deep-link.ts';
import { navigate } from './use-hash-route.ts';
import { useSession } from './use-session.ts';

/** Link first, then sign-in, then the app; a dropped link later shows a banner over the running app. */
export function App() {
  const link = useLinkStatus();
  const { session, error, setSession, reload } = useSession();

  // Listened to here, not in the signed-in frame: a deep link that arrives before sign-in still lands once signed in.
  useBridgeEvent('navigate', ({ route }) => {
    const hash = routeForNavigateTarget(route);
    if (hash) navigate(hash);
  });

  if (link.state === 'no-token' || !session) return <BrokerUnavailable link={link} error={error} onRetrySession={reload} />;
  return (
    <>
      <LinkBanner link={link} />
      {session.signedIn ? <AppFrame session={session} /> : <SignInView session={session} onSession={setSession} />}
    </>
  );
}
