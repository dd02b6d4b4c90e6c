import type { Clock } from '../../src/cloudsign';

/** A clock that moves only when told to, running due sleepers in time order. */
export class FakeClock implements Clock {
  private time = 1_700_000_000_000;
  private sleepers: { at: number; wake: () => void }[] = [];

  now(): number {
    return this.time;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((wake) => this.sleepers.push({ at: this.time + Math.max(0, ms), wake }));
  }

  /** Moves time forward by `ms`, waking each sleeper at its due time and letting it run before the next. */
  async advance(ms: number): Promise<void> {
    const until = this.time + ms;
    for (;;) {
      await settle();
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (!next || next.at > until) break;
      this.sleepers.shift();
      this.time = next.at;
      next.wake();
    }
    this.time = until;
    await settle();
  }
}

/** Lets every promise callback that is ready run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}
