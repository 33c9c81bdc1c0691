import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../log.js';
import { FROM_SOURCES, projectFile } from '../paths.js';
import type { DecodeAnswer, DecodeRequest } from './decode-worker.js';

export interface DecodedPreview {
  data: Buffer;
  width: number;
  height: number;
}

export interface DecoderOptions {
  logger: Logger;
  /** The decoder process's address-space limit (`ulimit -v`): Node and sharp reserve ~0.8 GB of it idle. */
  addressSpaceBytes?: number;
  /** Resident memory past which a decode is stopped by ending the process. */
  maxRssBytes?: number;
  /** Decodes that may wait for the one running; past that, callers are told the decoder is busy. */
  maxWaiting?: number;
  /** The process ends after this long unused (it holds ~60 MB while alive). */
  idleMs?: number;
}

/** Why a decode did not produce a preview, in words for the result's notes. */
export class DecodeFailure extends Error {
  override name = 'DecodeFailure';
}

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

/**
 * Image decoding in a separate process, one image at a time. libvips' native
 * memory is bounded there by an address-space limit and a resident-memory
 * watchdog, and its threads are not the server's libuv pool (which DNS lookups
 * share); a decode past its deadline is stopped by ending the process, which
 * is then started again on the next use.
 */
export class ImageDecoder {
  readonly #opts: Required<Omit<DecoderOptions, 'logger'>> & { logger: Logger };
  #child: Promise<ChildProcess> | undefined;
  #limited = true;
  #brokenUntil = 0;
  #queue: (() => void)[] = [];
  #running = false;
  #nextId = 1;
  #idle: ReturnType<typeof setTimeout> | undefined;

  constructor(options: DecoderOptions) {
    this.#opts = {
      addressSpaceBytes: 1 * GiB,
      maxRssBytes: 256 * MiB,
      maxWaiting: 4,
      idleMs: 30_000,
      ...options,
    };
  }

  async decode(
    bytes: Buffer,
    step: { side: number; quality: number },
    maxPixels: number,
    signal: AbortSignal,
  ): Promise<DecodedPreview> {
    if (this.#running && this.#queue.length >= this.#opts.maxWaiting) {
      throw new DecodeFailure('the server is busy making other previews');
    }
    await this.#turn(signal);
    try {
      signal.throwIfAborted();
      return await this.#run({ id: this.#nextId++, bytes, ...step, maxPixels }, signal);
    } finally {
      this.#next();
    }
  }

  /** The decoder process's id while one runs (tests, diagnostics). */
  async pid(): Promise<number | undefined> {
    return (await this.#child?.catch(() => undefined))?.pid;
  }

  /** End the decoder process (shutdown, tests). */
  close(): void {
    clearTimeout(this.#idle);
    void this.#child?.then(
      (c) => c.kill('SIGKILL'),
      () => undefined,
    );
    this.#child = undefined;
  }

  #turn(signal: AbortSignal): Promise<void> {
    if (!this.#running) {
      this.#running = true;
      clearTimeout(this.#idle);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', quit);
        resolve();
      };
      const quit = () => {
        this.#queue = this.#queue.filter((q) => q !== go);
        reject(signal.reason);
      };
      signal.addEventListener('abort', quit, { once: true });
      this.#queue.push(go);
    });
  }

  #next(): void {
    const go = this.#queue.shift();
    if (go) {
      go();
      return;
    }
    this.#running = false;
    this.#idle = setTimeout(() => this.close(), this.#opts.idleMs);
    this.#idle.unref();
  }

  async #run(req: DecodeRequest, signal: AbortSignal): Promise<DecodedPreview> {
    this.#child ??= this.#start();
    let child = await this.#child.catch((error: unknown) => {
      this.#child = undefined;
      throw error;
    });
    if (!child.connected) {
      // It ended while idle (killed from outside, or crashed): start another.
      this.#child = this.#start();
      child = await this.#child;
    }
    child.ref();
    child.channel?.ref();
    return new Promise<DecodedPreview>((resolve, reject) => {
      const settle = (fn: () => void) => {
        clearInterval(watch);
        signal.removeEventListener('abort', onAbort);
        child.off('message', onMessage);
        child.off('exit', onExit);
        child.unref();
        child.channel?.unref();
        fn();
      };
      const stop = (why: string) => {
        this.#child = undefined;
        child.kill('SIGKILL');
        settle(() => reject(new DecodeFailure(why)));
      };
      const onMessage = (answer: DecodeAnswer) => {
        if (answer.id !== req.id) return;
        if (answer.ok) {
          const data = Buffer.from(answer.data);
          settle(() => resolve({ data, width: answer.width, height: answer.height }));
        } else settle(() => reject(new DecodeFailure(readable(answer.error))));
      };
      const onExit = () => {
        this.#child = undefined;
        settle(() => reject(new DecodeFailure('decoding it needed more memory than previews may use')));
      };
      const onAbort = () => stop('decoding was stopped at the deadline');
      const watch = setInterval(() => {
        if (residentBytes(child.pid) > this.#opts.maxRssBytes) {
          stop('decoding it needed more memory than previews may use');
        }
      }, 20);
      child.on('message', onMessage);
      child.once('exit', onExit);
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        child.send(req);
      } catch {
        onExit();
      }
    });
  }

  /** Start the decoder under its address-space limit; without one (and said so) where the limit cannot start it. */
  async #start(): Promise<ChildProcess> {
    if (this.#limited) {
      const limited = await this.#spawn(true).catch(() => undefined);
      if (limited) return limited;
      this.#limited = false;
      this.#opts.logger.warn(
        'the image decoder could not start under its address-space limit; it runs with the memory watchdog only',
      );
    }
    if (Date.now() < this.#brokenUntil) throw new DecodeFailure('this server cannot decode images right now');
    try {
      return await this.#spawn(false);
    } catch (error) {
      // sharp's binary missing, or no process can start: say so, and do not try again for a minute.
      this.#brokenUntil = Date.now() + 60_000;
      this.#opts.logger.warn('image previews are off: the decoder process could not start', {
        error: String(error),
      });
      throw new DecodeFailure('this server cannot decode images right now');
    }
  }

  async #spawn(limited: boolean): Promise<ChildProcess> {
    const child = await this.#launch(limited);
    // However it ends (idle timeout, a kill from outside), the next decode starts another.
    child.once('exit', () => {
      void this.#child?.then((current) => {
        if (current === child) this.#child = undefined;
      });
    });
    return child;
  }

  async #launch(limited: boolean): Promise<ChildProcess> {
    const node = [process.execPath, '--max-old-space-size=64', await workerScript()];
    const kb = Math.floor(this.#opts.addressSpaceBytes / 1024);
    const [command, args] = limited
      ? ['/bin/sh', ['-c', `ulimit -v ${kb} && exec "$@"`, 'sh', ...node]]
      : [node[0] ?? process.execPath, node.slice(1)];
    const child = spawn(command as string, args as string[], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      serialization: 'advanced',
      // One malloc arena: glibc would reserve 64 MB of address space per thread otherwise.
      env: { PATH: process.env.PATH ?? '', MALLOC_ARENA_MAX: '1', UV_THREADPOOL_SIZE: '2' },
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error('the decoder did not start in 10 s')), 10_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      child.once('error', fail);
      child.once('exit', () => fail(new Error('the decoder exited while starting')));
      child.once('message', () => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        child.on('error', () => undefined);
        child.unref();
        child.channel?.unref();
        resolve(child);
      });
    });
  }
}

/**
 * The decoder's script: dist/media/decode-worker.js in production. Run from
 * TypeScript sources (tests), it is compiled once with esbuild, since a loader
 * such as tsx reserves gigabytes of address space and could not start under
 * the limit.
 */
function workerScript(): Promise<string> {
  const js = projectFile('dist/media/decode-worker.js');
  if (!FROM_SOURCES && existsSync(js)) return Promise.resolve(fileURLToPath(js));
  compiled ??= (async () => {
    const out = fileURLToPath(projectFile(`node_modules/.cache/fal-mcp/decode-worker-${process.pid}.mjs`));
    const { build } = await import('esbuild');
    await build({
      entryPoints: [fileURLToPath(projectFile('src/media/decode-worker.ts'))],
      outfile: out,
      format: 'esm',
      platform: 'node',
      bundle: true,
      external: ['sharp'],
      logLevel: 'silent',
    });
    return out;
  })();
  return compiled;
}
let compiled: Promise<string> | undefined;

function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function readable(error: string): string {
  if (/pixel limit/i.test(error)) return 'the image is too large to decode';
  if (/memory|alloc/i.test(error)) return 'decoding it needed more memory than previews may use';
  return 'the image could not be read';
}
