import './recordings.css';
import type { HashRoute } from '../app-shell/hash-route.ts';
import { QuerySessionView } from './QuerySessionView.tsx';
import { RecordingPlayer } from './RecordingPlayer.tsx';
import { RecordingsBrowser } from './RecordingsBrowser.tsx';

function numberParam(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : null;
}

/**
 * Replay: `#/recordings` lists and searches sessions; `#/recordings/<id>?t=<ms>&q=<text>` plays a
 * terminal recording from t; `#/recordings/query/<sessionId>?connection=…` shows a query
 * session's statements.
 */
export function RecordingsView({ route }: { route: HashRoute }) {
  const [, first, second] = route.segments;
  if (first === 'query' && second) {
    return <QuerySessionView sessionId={second} connection={route.params.connection ?? ''} user={route.params.user ?? null} from={route.params.from ?? null} />;
  }
  if (first) return <RecordingPlayer id={first} startMs={numberParam(route.params.t)} query={route.params.q ?? null} />;
  return <RecordingsBrowser />;
}
