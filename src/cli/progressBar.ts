/**
 * A one-line progress bar on a terminal; on anything else (CI logs, pipes)
 * a plain line at most every few seconds, so logs stay readable.
 */
import type { WriteStream } from 'node:tty';

export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export class ProgressBar {
  private done = 0;
  private lastDraw = 0;
  private lastLine = '';
  private readonly startedAt = Date.now();

  constructor(
    private readonly stream: ProgressStream | WriteStream,
    private total: number,
    private label: string,
    private readonly plainIntervalMs = 5000,
  ) {}

  reset(total: number, label: string): void {
    this.finishLine();
    this.total = Math.max(total, 1);
    this.label = label;
    this.done = 0;
    this.lastDraw = 0;
  }

  update(done: number, detail = ''): void {
    this.done = Math.min(done, this.total);
    const now = Date.now();
    const interval = this.stream.isTTY ? 80 : this.plainIntervalMs;
    if (now - this.lastDraw < interval && this.done < this.total) return;
    this.lastDraw = now;
    this.draw(detail);
  }

  private draw(detail: string): void {
    const fraction = this.total > 0 ? this.done / this.total : 1;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    const elapsed = ((Date.now() - this.startedAt) / 1000).toFixed(0);
    if (!this.stream.isTTY) {
      this.stream.write(`${this.label} ${percent} (${this.done}/${this.total}) ${detail}\n`);
      return;
    }
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
    let line = `${this.label} ▕${bar}▏ ${percent} ${elapsed}s ${detail}`;
    const columns = this.stream.columns ?? 100;
    if (line.length > columns - 1) line = `${line.slice(0, columns - 2)}…`;
    this.lastLine = line;
    this.stream.write(`\r${line.padEnd(columns - 1)}`);
  }

  private finishLine(): void {
    if (this.stream.isTTY && this.lastLine) this.stream.write('\n');
    this.lastLine = '';
  }

  finish(detail = ''): void {
    this.done = this.total;
    this.lastDraw = 0;
    if (this.stream.isTTY) this.draw(detail);
    else this.stream.write(`${this.label} done ${detail}\n`);
    this.finishLine();
  }
}
