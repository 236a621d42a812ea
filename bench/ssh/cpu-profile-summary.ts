import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

export interface HotFunction {
  /** `name (file:line)`, or a V8 pseudo-frame such as `(garbage collector)`. */
  where: string;
  /** Share of the sampled time spent in the function itself. */
  selfPercent: number;
}

function describe(frame: ProfileNode['callFrame']): string {
  const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
  if (frame.url === '') return name;
  const file = frame.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/(broker|shared|bench|test)\//, '$1/');
  return `${name} (${file}:${frame.lineNumber + 1})`;
}

/** The functions with the most self time in a `node --cpu-prof` profile, idle time left out (`(program)` is V8 and native work outside JS frames). */
export async function hotFunctions(profilePath: string, top: number): Promise<HotFunction[]> {
  const profile = JSON.parse(await readFile(profilePath, 'utf8')) as CpuProfile;
  const selfSamples = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    const where = describe(node.callFrame);
    selfSamples.set(where, (selfSamples.get(where) ?? 0) + hits);
    busy += hits;
  }
  return [...selfSamples.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, hits]) => ({ where, selfPercent: (hits / Math.max(1, busy)) * 100 }));
}
