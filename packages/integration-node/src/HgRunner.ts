/*
 * Copyright 2026 The Backstage Mercurial Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import { LoggerService } from '@backstage/backend-plugin-api';
import execa from 'execa';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { HgCommandError, HgNotAvailableError } from './errors';
import { redactSecrets } from './redact';

/** The oldest Mercurial the runner accepts. */
const MIN_VERSION: [number, number] = [5, 0];
const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

const INSTALL_HINT =
  'Install Mercurial 5.0 or newer: `apt-get install mercurial` (Debian, Ubuntu), `dnf install mercurial` (Fedora), `brew install mercurial` (macOS) or `pip install mercurial`, or point the runner at it with `hgPath`';

/**
 * HTTP(S) credentials for the repositories under one URL prefix. They reach
 * hg only through the `[auth]` section of a 0600 hgrc written for one command.
 *
 * @public
 */
export interface HgAuth {
  /** The URL prefix they apply to, with its scheme (`https://hg.example.com/hg`). */
  prefix: string;
  username: string;
  password: string;
}

/**
 * How to reach repositories over ssh for one command.
 *
 * @public
 */
export interface HgSsh {
  /** The private key (PEM/OpenSSH text); written to a 0600 file for the command. */
  privateKey: string;
  /**
   * Lines for a known_hosts file: only these host keys are accepted. Without
   * them, the machine's known_hosts files are used. Host keys are always
   * checked (`StrictHostKeyChecking=yes`).
   */
  knownHosts?: string;
  /** The ssh program, default `ssh`. */
  command?: string;
}

/**
 * Options for one hg command.
 *
 * @public
 */
export interface HgRunOptions {
  /** The working directory. */
  cwd?: string;
  /** Kill the command after this many milliseconds (default 10 minutes). */
  timeoutMs?: number;
  /** Ends the command when aborted. */
  signal?: AbortSignal;
  /** Credentials for HTTP(S) URLs. */
  auth?: HgAuth[];
  /** Key and host keys for ssh URLs. */
  ssh?: HgSsh;
  /** Extra settings for the hgrc, as `{ section: { key: value } }`. Never on argv. */
  config?: Record<string, Record<string, string>>;
  /** Exit codes that are not failures (default `[0]`); commit and push use `[0, 1]`. */
  okExitCodes?: number[];
  /** Text for stdin. */
  input?: string;
  /** More values to redact from errors and logs. */
  secrets?: string[];
}

/**
 * What a command printed, and how it ended.
 *
 * @public
 */
export interface HgResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

function hgrcValue(name: string, value: string): string {
  if (/[\r\n\0]/.test(value)) {
    throw new HgCommandError(
      `Refusing to run hg: the ${name} contains a line break`,
      { args: [], stderr: '', timedOut: false, aborted: false },
    );
  }
  return value;
}

/**
 * The environment of a hg command: the process's own, less every variable hg
 * or ssh would take settings from, plus the isolation hg needs.
 */
function hgEnvironment(hgrcPath: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(HG|SSH_AUTH_SOCK$|EMAIL$|CHGHG)/.test(key)) {
      env[key] = value;
    }
  }
  return {
    ...env,
    HGRCPATH: hgrcPath,
    HGPLAIN: '1',
    HGENCODING: 'utf-8',
  };
}

/** Whether `command` names an executable file, itself or on PATH. */
async function findExecutable(command: string): Promise<boolean> {
  const candidates = command.includes(path.sep)
    ? [command]
    : (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map(dir => path.join(dir, command));
  for (const candidate of candidates) {
    try {
      await fs.access(candidate, fs.constants.X_OK);
      if ((await fs.stat(candidate)).isFile()) {
        return true;
      }
    } catch {
      // not here
    }
  }
  return false;
}

/** A shell-safe single-quoted word for hg's `ui.ssh` (hg runs it through a shell). */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Runs the `hg` command line: an argument array and no shell, `HGPLAIN=1`, an
 * hgrc of its own (`HGRCPATH`), a timeout and an AbortSignal. Credentials are
 * written to a 0600 hgrc in a private temporary directory that exists only
 * while the command runs; they never reach argv, the environment, logs or
 * error messages.
 *
 * @public
 */
export class HgRunner {
  private readonly hgPath: string;
  private readonly logger?: LoggerService;
  private readonly defaultTimeoutMs: number;
  private readonly tempDir?: string;
  private version?: Promise<string>;

  constructor(options?: {
    /** The hg executable, default `hg` on PATH. */
    hgPath?: string;
    logger?: LoggerService;
    /** Default timeout of a command in milliseconds (10 minutes). */
    defaultTimeoutMs?: number;
    /** Where the per-command hgrc directories are made (the OS temp dir). */
    tempDir?: string;
  }) {
    this.hgPath = options?.hgPath ?? 'hg';
    this.logger = options?.logger;
    this.defaultTimeoutMs = options?.defaultTimeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.tempDir = options?.tempDir;
  }

  /**
   * The installed Mercurial version; checked once. Throws
   * {@link HgNotAvailableError} saying how to install it when hg is missing or
   * older than 5.0.
   */
  async checkVersion(): Promise<string> {
    if (!this.version) {
      this.version = this.readVersion();
      this.version.catch(() => {
        this.version = undefined;
      });
    }
    return this.version;
  }

  private async readVersion(): Promise<string> {
    if (!(await findExecutable(this.hgPath))) {
      throw new HgNotAvailableError(
        `Mercurial (hg) was not found (looked for '${this.hgPath}'${
          this.hgPath.includes(path.sep) ? '' : ' on PATH'
        }). ${INSTALL_HINT}`,
      );
    }
    let stdout: string;
    try {
      ({ stdout } = await execa(this.hgPath, ['--version', '--quiet'], {
        env: hgEnvironment(''),
        extendEnv: false,
        timeout: 30_000,
      }));
    } catch (e: any) {
      if (e?.code === 'ENOENT') {
        throw new HgNotAvailableError(
          `Mercurial (hg) was not found (looked for '${this.hgPath}'). ${INSTALL_HINT}`,
        );
      }
      throw new HgNotAvailableError(
        `Could not run '${this.hgPath} --version': ${e?.shortMessage ?? e}. ${INSTALL_HINT}`,
      );
    }
    const match = /version (\d+)\.(\d+)(\.\d+)?/.exec(stdout);
    if (!match) {
      throw new HgNotAvailableError(
        `Could not read the Mercurial version from '${stdout.trim()}'. ${INSTALL_HINT}`,
      );
    }
    const [major, minor] = [Number(match[1]), Number(match[2])];
    if (
      major < MIN_VERSION[0] ||
      (major === MIN_VERSION[0] && minor < MIN_VERSION[1])
    ) {
      throw new HgNotAvailableError(
        `Mercurial ${match[0].slice(8)} is too old: version ${MIN_VERSION.join('.')} or newer is needed. ${INSTALL_HINT}`,
      );
    }
    return `${match[1]}.${match[2]}${match[3] ?? ''}`;
  }

  /**
   * Runs `hg ...args`. The arguments are passed as they are: validate every
   * user-supplied value first (the command builders of this package do).
   *
   * @throws HgCommandError on an exit code outside `okExitCodes`, a timeout or
   *   an abort; HgNotAvailableError when hg is missing or too old
   */
  async run(args: string[], options: HgRunOptions = {}): Promise<HgResult> {
    const started = await this.start(args, options, true);
    try {
      const result = await started.child;
      started.check(result, result.stderr ?? '', result.stdout ?? '');
      return {
        stdout: result.stdout,
        stderr: result.stderr,
        exitCode: result.exitCode,
      };
    } finally {
      await started.cleanup();
    }
  }

  /**
   * Runs `hg ...args` and streams its standard output, e.g. of
   * `hg archive -t tar -`. Resolves once the command has written its first
   * bytes or has ended; rejects with {@link HgCommandError} when it fails
   * before that. A later failure (or timeout, or abort) destroys the stream
   * with that error.
   */
  async stream(args: string[], options: HgRunOptions = {}): Promise<Readable> {
    const started = await this.start(args, options, false);
    const { child } = started;
    const out = new PassThrough();
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      if (stderr.length < 64 * 1024) {
        stderr += chunk.toString('utf8');
      }
    });
    const stdoutDone = finished(child.stdout!).catch(() => undefined);
    child.stdout!.pipe(out, { end: false });
    const done = (async () => {
      try {
        const result = await child;
        await stdoutDone;
        started.check(result, stderr, '');
      } finally {
        await started.cleanup();
      }
    })();
    let handedOut = false;
    done.then(
      () => out.end(),
      // Before the stream is handed out, the error is thrown by the race
      // below instead.
      error => (handedOut ? out.destroy(error) : out.destroy()),
    );
    const firstBytes = new Promise<void>(resolve =>
      child.stdout!.once('data', () => resolve()),
    );
    await Promise.race([firstBytes, done]);
    handedOut = true;
    return out;
  }

  private async start(args: string[], options: HgRunOptions, buffer: boolean) {
    await this.checkVersion();
    const secrets = [
      ...(options.secrets ?? []),
      ...(options.auth ?? []).map(a => a.password),
      ...(options.ssh ? [options.ssh.privateKey] : []),
    ].filter(Boolean);
    const redact = (text: string) => redactSecrets(text, secrets);
    const shownArgs = args.map(redact);
    if (options.signal?.aborted) {
      throw new HgCommandError(`hg ${shownArgs[0] ?? ''} was aborted`, {
        args: shownArgs,
        stderr: '',
        timedOut: false,
        aborted: true,
      });
    }

    const dir = await fs.mkdtemp(
      path.join(this.tempDir ?? os.tmpdir(), 'backstage-hg-'),
    );
    const cleanup = () => fs.remove(dir);
    let child: execa.ExecaChildProcess;
    let onAbort: () => void;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    try {
      await fs.chmod(dir, 0o700);
      const hgrcPath = path.join(dir, 'hgrc');
      await fs.writeFile(hgrcPath, await this.renderHgrc(dir, options), {
        mode: 0o600,
      });
      this.logger?.debug(`Running hg ${shownArgs.join(' ')}`);
      child = execa(this.hgPath, args, {
        cwd: options.cwd,
        env: hgEnvironment(hgrcPath),
        extendEnv: false,
        input: options.input,
        stdin: options.input === undefined ? 'ignore' : 'pipe',
        timeout: timeoutMs,
        reject: false,
        stripFinalNewline: false,
        buffer,
      });
      onAbort = () => child.cancel();
      options.signal?.addEventListener('abort', onAbort, { once: true });
    } catch (e) {
      await cleanup();
      throw e;
    }

    const check = (
      result: execa.ExecaReturnValue,
      stderrText: string,
      stdoutText: string,
    ) => {
      options.signal?.removeEventListener('abort', onAbort);
      const ok = options.okExitCodes ?? [0];
      const failed =
        result.timedOut ||
        result.isCanceled ||
        result.killed ||
        result.exitCode === undefined ||
        !ok.includes(result.exitCode);
      if (!failed) {
        return;
      }
      const stderr = redact(stderrText).trim();
      let reason: string;
      if (result.timedOut) {
        reason = `timed out after ${timeoutMs} ms`;
      } else if (result.isCanceled) {
        reason = 'was aborted';
      } else if (result.signal) {
        reason = `was killed by ${result.signal}`;
      } else {
        reason = `failed with exit code ${result.exitCode}`;
      }
      const detail = stderr || redact(stdoutText).trim();
      throw new HgCommandError(
        `hg ${shownArgs[0] ?? ''} ${reason}${detail ? `: ${detail}` : ''}`,
        {
          args: shownArgs,
          exitCode: result.signal ? undefined : result.exitCode,
          stderr,
          timedOut: Boolean(result.timedOut),
          aborted: Boolean(result.isCanceled),
        },
      );
    };
    return { child, check, cleanup };
  }

  private async renderHgrc(dir: string, options: HgRunOptions) {
    const sections: Record<string, Record<string, string>> = {
      ui: { interactive: 'false', merge: 'internal:fail' },
    };
    for (const [section, values] of Object.entries(options.config ?? {})) {
      sections[section] = { ...sections[section], ...values };
    }
    (options.auth ?? []).forEach((a, i) => {
      sections.auth = {
        ...sections.auth,
        [`backstage${i}.prefix`]: hgrcValue('credential prefix', a.prefix),
        [`backstage${i}.username`]: hgrcValue('user name', a.username),
        [`backstage${i}.password`]: hgrcValue('password', a.password),
        [`backstage${i}.schemes`]: 'http https',
      };
    });
    if (options.ssh) {
      const keyPath = path.join(dir, 'id');
      const key = options.ssh.privateKey.endsWith('\n')
        ? options.ssh.privateKey
        : `${options.ssh.privateKey}\n`;
      await fs.writeFile(keyPath, key, { mode: 0o600 });
      const ssh = [
        shellQuote(options.ssh.command ?? 'ssh'),
        '-F',
        '/dev/null',
        '-i',
        shellQuote(keyPath),
        '-o',
        'IdentitiesOnly=yes',
        '-o',
        'IdentityAgent=none',
        '-o',
        'BatchMode=yes',
        '-o',
        'StrictHostKeyChecking=yes',
      ];
      if (options.ssh.knownHosts !== undefined) {
        // Only the configured host keys count.
        const knownHostsPath = path.join(dir, 'known_hosts');
        await fs.writeFile(knownHostsPath, `${options.ssh.knownHosts}\n`, {
          mode: 0o600,
        });
        ssh.push(
          '-o',
          shellQuote(`UserKnownHostsFile=${knownHostsPath}`),
          '-o',
          'GlobalKnownHostsFile=/dev/null',
        );
      }
      sections.ui.ssh = ssh.join(' ');
    }
    return Object.entries(sections)
      .map(
        ([section, values]) =>
          `[${section}]\n${Object.entries(values)
            .map(
              ([k, v]) => `${k} = ${hgrcValue(`setting ${section}.${k}`, v)}`,
            )
            .join('\n')}\n`,
      )
      .join('\n');
  }
}
