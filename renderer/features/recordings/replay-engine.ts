import type { Terminal } from '@xterm/xterm';
import { parseResize, type CastEvent, type RecordingScreen } from '../../../shared/api/recordings.ts';
import { EVENT_PAGE_SIZE, EventWindow } from './event-window.ts';
import { advancePlayhead } from './playhead.ts';
import { markerFromCastEvent } from './player-markers.ts';
import { clampMs, type TimelineMarker } from './timeline-math.ts';

export type ReplayState = 'loading' | 'paused' | 'playing' | 'buffering' | 'ended';

export interface ReplayListener {
  time(ms: number): void;
  state(state: ReplayState): void;
  /** The screen changed and xterm has finished writing it. */
  screen(): void;
  size(cols: number, rows: number): void;
  markers(markers: TimelineMarker[]): void;
  error(message: string): void;
}

export type ScreenFetch = (tMs: number, page: { after?: number; limit: number }) => Promise<RecordingScreen>;

/** Wall time counted per frame at most, so a tab coming back from the background does not leap. */
const MAX_FRAME_MS = 250;
/** xterm writes still being parsed before the clock waits for them (16× through heavy output). */
const MAX_WRITES_IN_FLIGHT = 6;

/**
 * Plays a recording into an xterm. A seek asks the server for the screen at t and writes that
 * snapshot into a reset terminal, so any point shows at once; playing then applies the events
 * that follow, a page at a time, with the speed and idle skipping chosen.
 */
export class ReplayEngine {
  private readonly window = new EventWindow();
  private playheadMs = 0;
  private speed = 1;
  private skipIdle = true;
  private playing = false;
  private seekSeq = 0;
  private frame: number | null = null;
  private lastFrameAt = 0;
  private writesInFlight = 0;
  private disposed = false;
  private state: ReplayState = 'loading';

  constructor(
    private readonly term: Terminal,
    private readonly fetchScreen: ScreenFetch,
    private durationMs: number,
    private readonly listener: ReplayListener,
  ) {}

  get time(): number {
    return this.playheadMs;
  }

  /** The recording grew (it is still live) or its summary was reloaded. */
  setDuration(ms: number): void {
    this.durationMs = ms;
  }

  setSpeed(speed: number): void {
    this.speed = speed;
  }

  setSkipIdle(skip: boolean): void {
    this.skipIdle = skip;
  }

  async seek(ms: number): Promise<void> {
    const seq = ++this.seekSeq;
    // Whole milliseconds, rounded up: the screen shown is the server's screen at exactly this t.
    const target = Math.ceil(clampMs(ms, this.durationMs));
    this.stopFrames();
    this.playheadMs = target;
    this.listener.time(target);
    this.setState('loading');
    let screen: RecordingScreen;
    try {
      screen = await this.fetchScreen(target, { limit: EVENT_PAGE_SIZE });
    } catch (e) {
      if (seq === this.seekSeq && !this.disposed) {
        this.listener.error(`Could not load the screen at this point: ${(e as Error).message}`);
        this.setState('paused');
      }
      return;
    }
    if (seq !== this.seekSeq || this.disposed) return;
    // Output still queued in xterm from before the seek would land on the new screen.
    await new Promise<void>((resolve) => this.term.write('', resolve));
    if (seq !== this.seekSeq || this.disposed) return;
    this.term.reset();
    if (this.term.cols !== screen.width || this.term.rows !== screen.height) this.term.resize(screen.width, screen.height);
    this.listener.size(screen.width, screen.height);
    this.window.reset(screen.events, screen.nextAfter);
    this.noteMarkers(screen.events);
    this.write(screen.screen);
    this.settle();
  }

  play(): void {
    if (this.disposed || this.state === 'loading') {
      this.playing = true;
      return;
    }
    // Playing from the end starts again from the beginning.
    if (this.state === 'ended' || (this.window.finished && this.playheadMs >= this.durationMs)) {
      this.playing = true;
      void this.seek(0);
      return;
    }
    this.playing = true;
    this.startFrames();
  }

  pause(): void {
    this.playing = false;
    this.stopFrames();
    if (this.state !== 'loading') this.setState('paused');
  }

  dispose(): void {
    this.disposed = true;
    this.stopFrames();
  }

  private settle(): void {
    if (this.playing) this.startFrames();
    else this.setState('paused');
  }

  private startFrames(): void {
    if (this.frame !== null || this.disposed) return;
    this.setState('playing');
    this.lastFrameAt = performance.now();
    this.frame = requestAnimationFrame((now) => this.tick(now));
  }

  private stopFrames(): void {
    if (this.frame !== null) cancelAnimationFrame(this.frame);
    this.frame = null;
  }

  private tick(now: number): void {
    this.frame = null;
    if (this.disposed || !this.playing) return;
    const elapsed = Math.min(MAX_FRAME_MS, Math.max(0, now - this.lastFrameAt));
    this.lastFrameAt = now;
    this.requestPage();
    const waiting = this.window.starved || this.writesInFlight > MAX_WRITES_IN_FLIGHT;
    if (waiting) {
      this.setState('buffering');
    } else {
      this.setState('playing');
      this.playheadMs = advancePlayhead({
        playheadMs: this.playheadMs,
        elapsedMs: elapsed,
        speed: this.speed,
        nextEventMs: this.window.nextEventMs(),
        durationMs: this.durationMs,
        skipIdle: this.skipIdle,
      });
      this.apply(this.window.takeUntil(this.playheadMs));
      this.listener.time(this.playheadMs);
      if (this.window.finished && this.playheadMs >= this.durationMs) {
        this.playing = false;
        this.setState('ended');
        return;
      }
    }
    this.frame = requestAnimationFrame((t) => this.tick(t));
  }

  private requestPage(): void {
    const claim = this.window.claimNextPage();
    if (claim === null) return;
    this.fetchScreen(claim.lastMs, { after: claim.after, limit: EVENT_PAGE_SIZE }).then(
      (page) => {
        if (this.window.append(claim.generation, page.events, page.nextAfter)) this.noteMarkers(page.events);
      },
      (e: Error) => {
        this.window.pageFailed(claim.generation);
        if (claim.generation === this.window.generation) {
          this.listener.error(`Could not load more of the recording: ${e.message}`);
          this.pause();
        }
      },
    );
  }

  /** Output is written in runs; a resize takes effect between them, as it did live. */
  private apply(events: readonly CastEvent[]): void {
    let run = '';
    for (const [, code, data] of events) {
      switch (code) {
        case 'o':
          run += data;
          break;
        case 'r': {
          const size = parseResize(data);
          if (size === null) break;
          if (run) this.write(run);
          run = '';
          if (size.cols !== this.term.cols || size.rows !== this.term.rows) {
            this.term.resize(size.cols, size.rows);
            this.listener.size(size.cols, size.rows);
          }
          break;
        }
        case 'i':
        case 'm':
          break;
        default:
          code satisfies never;
      }
    }
    if (run) this.write(run);
  }

  private write(data: string): void {
    this.writesInFlight++;
    this.term.write(data, () => {
      this.writesInFlight--;
      if (!this.disposed) this.listener.screen();
    });
  }

  private noteMarkers(events: readonly CastEvent[]): void {
    const found: TimelineMarker[] = [];
    for (const event of events) {
      const marker = markerFromCastEvent(event);
      if (marker) found.push(marker);
    }
    if (found.length > 0) this.listener.markers(found);
  }

  private setState(state: ReplayState): void {
    if (state === this.state) return;
    this.state = state;
    this.listener.state(state);
  }
}
