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

// publish:hg, hg:clone, hg:commit and hg:push over ssh, against a real sshd
// and a real hg serve sharing one repository root: the actions write over
// ssh, the HTTP side (hgweb) is what the rest of Backstage reads.

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import {
  createTempDir,
  generateSshKeyPair,
  HgTestServer,
  runHg,
  SshKeyPair,
  SshTestServer,
  startHgServer,
  startSshServer,
} from '@backstage-mercurial/test-utils';
import { LoggerService } from '@backstage/backend-plugin-api';
import { ConfigReader } from '@backstage/config';
import { ActionContext } from '@backstage/plugin-scaffolder-node';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import { JsonObject } from '@backstage/types';
import fs from 'fs-extra';
import os from 'node:os';
import path from 'node:path';
import { createHgCloneAction } from './clone';
import { createHgCommitAction } from './commit';
import { createPublishMercurialAction } from './publish';
import { createHgPushAction } from './push';

jest.setTimeout(120_000);

const NODE = /^[0-9a-f]{40}$/;
const CATALOG_INFO =
  'apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: new-service\nspec:\n  type: service\n  owner: team\n  lifecycle: experimental\n';

let tmp: { path: string; remove(): Promise<void> };
let key: SshKeyPair;
let hgServer: HgTestServer;
let sshd: SshTestServer;
/** A known_hosts line for the server's address with a key it does not have. */
let wrongKnownHosts: string;
/** A private key the server does not accept. */
let unauthorizedKey: SshKeyPair;

/** Everything any action run handed out, to look for the private key in. */
const seen: { logs: string[]; outputs: string[]; errors: string[] } = {
  logs: [],
  outputs: [],
  errors: [],
};
/** The temporary directories the actions were given. */
const temporaryDirs: string[] = [];

beforeAll(async () => {
  tmp = await createTempDir('publish-ssh-test-');
  const [pair, otherHostKey, otherKey] = await Promise.all([
    generateSshKeyPair(path.join(tmp.path, 'key')),
    generateSshKeyPair(path.join(tmp.path, 'other-host-key')),
    generateSshKeyPair(path.join(tmp.path, 'unauthorized-key')),
  ]);
  key = pair;
  unauthorizedKey = otherKey;
  [sshd, hgServer] = await Promise.all([
    startSshServer({ authorizedKeys: [key.publicKey] }),
    startHgServer({
      repositories: {
        'team/taken': {
          commits: [{ files: { 'README.md': '# Taken\n' } }],
        },
      },
    }),
  ]);
  wrongKnownHosts = `[127.0.0.1]:${sshd.port} ${otherHostKey.publicKey
    .split(' ')
    .slice(0, 2)
    .join(' ')}`;
});

afterAll(async () => {
  await Promise.all([sshd?.stop(), hgServer?.stop()]);
  await Promise.all(temporaryDirs.map(dir => fs.remove(dir)));
  await tmp?.remove();
});

/** The integrations.mercurial entry: hgweb over HTTP, writes over ssh. */
function integrationConfig(
  ssh: { knownHosts?: string; privateKey?: string } = {},
) {
  return {
    host: hgServer.host,
    baseUrl: hgServer.baseUrl,
    ssh: {
      // ssh://USER@127.0.0.1:PORT//abs/root: the double slash makes the
      // path absolute.
      url: sshd.url(hgServer.root),
      privateKey: ssh.privateKey ?? key.privateKey,
      knownHosts: ssh.knownHosts ?? sshd.knownHostsLine,
    },
  };
}

function actionOptions(ssh: { knownHosts?: string; privateKey?: string } = {}) {
  const config = new ConfigReader({
    integrations: { mercurial: [integrationConfig(ssh)] },
  });
  return {
    integrations: MercurialIntegrations.fromConfig(config),
    config,
    publishWaitMs: 20_000,
  };
}

/** A logger whose every call is recorded (children log into it too). */
function recordingLogger() {
  const logger = {
    error: jest.fn(),
    warn: jest.fn(),
    info: jest.fn(),
    debug: jest.fn(),
    child: jest.fn(),
  };
  logger.child.mockImplementation(() => logger);
  return logger;
}

/**
 * A mock action context with a real workspace and real temporary
 * directories outside it, as the scaffolder gives them.
 */
function actionContext<TInput extends JsonObject>(options: {
  input: TInput;
  workspacePath: string;
  isDryRun?: boolean;
}) {
  const logger = recordingLogger();
  const ctx = {
    ...createMockActionContext<TInput>({
      input: options.input,
      workspacePath: options.workspacePath,
      logger: logger as unknown as LoggerService,
    }),
    ...(options.isDryRun !== undefined && { isDryRun: options.isDryRun }),
    createTemporaryDirectory: async () => {
      const dir = (await createTempDir('publish-ssh-action-')).path;
      temporaryDirs.push(dir);
      return dir;
    },
  } as ActionContext<any, any>;
  const outputs = (): Record<string, unknown> =>
    Object.fromEntries(
      (ctx.output as jest.Mock).mock.calls.map(([name, value]) => [
        name,
        value,
      ]),
    );
  const logCalls = () =>
    (['error', 'warn', 'info', 'debug'] as const).flatMap(level =>
      logger[level].mock.calls.map(args => ({ level, args })),
    );
  return { ctx, outputs, logCalls };
}

/**
 * Runs an action's handler and records what it logged, output and threw, for
 * the check that the private key never shows.
 */
async function run(
  action: { handler(ctx: ActionContext<any, any>): Promise<void> },
  context: ReturnType<typeof actionContext>,
): Promise<void> {
  try {
    await action.handler(context.ctx);
  } catch (e) {
    const error = e as Error;
    seen.errors.push(
      `${error.name}: ${error.message}\n${error.stack ?? ''}\n${JSON.stringify(error)}`,
    );
    throw e;
  } finally {
    seen.logs.push(...context.logCalls().map(call => JSON.stringify(call)));
    seen.outputs.push(JSON.stringify(context.outputs()));
  }
}

async function workspaceWithSkeleton() {
  const workspace = (await createTempDir('publish-ssh-ws-')).path;
  temporaryDirs.push(workspace);
  await fs.outputFile(path.join(workspace, 'catalog-info.yaml'), CATALOG_INFO);
  await fs.outputFile(path.join(workspace, 'docs/index.md'), '# New\n');
  return workspace;
}

async function serverTip(name: string): Promise<string> {
  return runHg(['log', '-r', 'tip', '-T', '{node}'], {
    cwd: hgServer.repoDir(name),
  });
}

async function publish(
  name: string,
  extraInput: JsonObject = {},
  ssh: { knownHosts?: string; privateKey?: string } = {},
) {
  const workspacePath = await workspaceWithSkeleton();
  const context = actionContext({
    workspacePath,
    input: {
      repoUrl: `${hgServer.host}?repo=${name}`,
      commitMessage: 'Create from template',
      authorName: 'Template Bot',
      authorEmail: 'bot@example.com',
      ...extraInput,
    },
  });
  const action = createPublishMercurialAction(actionOptions(ssh));
  return { context, done: run(action, context) };
}

describe('publish:hg over ssh', () => {
  it('creates the repository over ssh, pushes, and hgweb serves the commit', async () => {
    const { context, done } = await publish('team/new-service');
    await done;

    const out = context.outputs();
    expect(out.commitHash).toMatch(NODE);
    expect(out.remoteUrl).toBe(`${hgServer.baseUrl}/team/new-service`);
    expect(out.repoContentsUrl).toBe(
      `${hgServer.baseUrl}/team/new-service/file/default/`,
    );

    // on disk, under the root both servers share
    const repoDir = path.join(hgServer.root, 'team', 'new-service');
    expect(hgServer.repoDir('team/new-service')).toBe(repoDir);
    expect(await fs.pathExists(path.join(repoDir, '.hg'))).toBe(true);
    expect(await serverTip('team/new-service')).toBe(out.commitHash);
    expect(
      await runHg(['log', '-r', 'tip', '-T', '{author}|{desc}|{branch}'], {
        cwd: repoDir,
      }),
    ).toBe('Template Bot <bot@example.com>|Create from template|default');

    // and over HTTP
    const res = await fetch(
      `${hgServer.baseUrl}/team/new-service/raw-file/${out.commitHash}/catalog-info.yaml`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(CATALOG_INFO);

    expect(
      context
        .logCalls()
        .filter(c => c.level === 'info')
        .map(c => c.args[0]),
    ).toEqual(
      expect.arrayContaining([
        `Creating repository ${hgServer.baseUrl}/team/new-service`,
      ]),
    );
  });

  it("commits on a named branch and pushes the bookmark with defaultBranch 'stable' and bookmark 'main'", async () => {
    const { context, done } = await publish('team/branched', {
      defaultBranch: 'stable',
      bookmark: 'main',
    });
    await done;

    const { commitHash } = context.outputs();
    expect(commitHash).toMatch(NODE);
    const repoDir = hgServer.repoDir('team/branched');
    expect(
      await runHg(['log', '-r', String(commitHash), '-T', '{branch}'], {
        cwd: repoDir,
      }),
    ).toBe('stable');
    expect(
      await runHg(['branches', '-T', '{branch}\n'], { cwd: repoDir }),
    ).toBe('stable\n');
    expect(
      await runHg(['bookmarks', '-T', '{bookmark} {node}\n'], { cwd: repoDir }),
    ).toBe(`main ${commitHash}\n`);
    const res = await fetch(
      `${hgServer.baseUrl}/team/branched/raw-file/main/catalog-info.yaml`,
    );
    expect(res.status).toBe(200);
    await res.arrayBuffer();
  });

  it('refuses a server whose host key is not the configured one, and creates nothing', async () => {
    const { context, done } = await publish(
      'team/wrong-host-key',
      {},
      { knownHosts: wrongKnownHosts },
    );
    await expect(done).rejects.toThrow(/Host key verification failed/);
    expect(
      await fs.pathExists(path.join(hgServer.root, 'team', 'wrong-host-key')),
    ).toBe(false);
    expect(context.ctx.output).not.toHaveBeenCalled();
  });

  it('refuses a server that known_hosts does not know at all, and creates nothing', async () => {
    // known_hosts only has a line for another address
    const { done } = await publish(
      'team/unknown-host',
      {},
      { knownHosts: `other.example.com ${sshd.hostPublicKey}` },
    );
    await expect(done).rejects.toThrow(/Host key verification failed/);
    expect(
      await fs.pathExists(path.join(hgServer.root, 'team', 'unknown-host')),
    ).toBe(false);
  });

  // hg prints "abort: no suitable response from remote hg" after ANY failed
  // ssh connection (host key refused, key refused, connection refused), not
  // only after the remote's "repository ... not found": isRepositoryNotFound
  // (locations.ts) must not take such a failure for a missing repository, or
  // publish:hg would try `hg init` over ssh and report that instead.
  it.each([
    {
      problem: 'the host key is not the configured one',
      name: 'team/refused-host-key',
      ssh: () => ({ knownHosts: wrongKnownHosts }),
      message: 'Host key verification failed',
    },
    {
      problem: 'the server does not accept the key',
      name: 'team/refused-client-key',
      ssh: () => ({ privateKey: unauthorizedKey.privateKey }),
      message: 'Permission denied (publickey)',
    },
  ])(
    'stops at the first failed connection when $problem, without trying to create the repository',
    async ({ name, ssh, message }) => {
      const { context, done } = await publish(name, {}, ssh());
      await expect(done).rejects.toThrow(message);
      expect(
        await fs.pathExists(path.join(hgServer.root, ...name.split('/'))),
      ).toBe(false);
      expect(context.logCalls().map(c => String(c.args[0]))).not.toContainEqual(
        expect.stringMatching(/^Creating repository/),
      );
      await expect(done).rejects.toThrow(/^hg identify failed/);
    },
  );

  it('refuses a repository that already has changesets and leaves it unchanged', async () => {
    const before = await serverTip('team/taken');
    expect(before).toBe(hgServer.repositories['team/taken'].nodes[0]);

    const { context, done } = await publish('team/taken');
    await expect(done).rejects.toThrow(
      `Cannot publish to ${hgServer.baseUrl}/team/taken: the repository already has changesets (tip ${before}); publish:hg only pushes to new or empty repositories`,
    );
    await expect(done).rejects.toMatchObject({ name: 'InputError' });
    expect(await serverTip('team/taken')).toBe(before);
    expect(
      await runHg(['log', '-T', '{node}\n'], {
        cwd: hgServer.repoDir('team/taken'),
      }),
    ).toBe(`${before}\n`);
    expect(context.ctx.output).not.toHaveBeenCalled();
  });

  it('pushes to an existing empty repository over ssh without creating it again', async () => {
    const repoDir = hgServer.repoDir('team/empty');
    await runHg(['init', repoDir]);
    const { context, done } = await publish('team/empty');
    await done;
    const { commitHash } = context.outputs();
    expect(await serverTip('team/empty')).toBe(commitHash);
    expect(
      context.logCalls().some(c => String(c.args[0]).startsWith('Creating')),
    ).toBe(false);
  });

  it('in a dry run, neither connects nor creates anything, but reports the outputs', async () => {
    const workspacePath = await workspaceWithSkeleton();
    const context = actionContext({
      workspacePath,
      isDryRun: true,
      input: { repoUrl: `${hgServer.host}?repo=team/dry-run` },
    });
    await run(createPublishMercurialAction(actionOptions()), context);
    const out = context.outputs();
    expect(out.commitHash).toMatch(NODE);
    expect(out.remoteUrl).toBe(`${hgServer.baseUrl}/team/dry-run`);
    expect(
      await fs.pathExists(path.join(hgServer.root, 'team', 'dry-run')),
    ).toBe(false);
  });
});

describe('hg:clone, hg:commit and hg:push over ssh', () => {
  it('clones over ssh, commits, and pushes back to the ssh clone source', async () => {
    const info = await hgServer.addRepository('team/roundtrip', {
      commits: [
        { files: { 'README.md': '# Round trip\n' } },
        { branch: 'stable', files: { 'stable.txt': 'stable\n' } },
        { parent: '0', files: { 'README.md': '# Round trip, again\n' } },
      ],
    });
    const defaultHead = info.nodes[2];
    const options = actionOptions();
    const workspacePath = (await createTempDir('publish-ssh-ws-')).path;
    temporaryDirs.push(workspacePath);
    const sshUrl = `${integrationConfig().ssh.url}/team/roundtrip`;

    // hg:clone
    const clone = actionContext({
      workspacePath,
      input: {
        repoUrl: `${hgServer.baseUrl}/team/roundtrip`,
        targetPath: 'app',
      },
    });
    await run(createHgCloneAction(options), clone);
    expect(clone.outputs()).toEqual({ commitHash: defaultHead });
    const appDir = path.join(workspacePath, 'app');
    expect(await fs.readFile(path.join(appDir, 'README.md'), 'utf8')).toBe(
      '# Round trip, again\n',
    );
    // cloned over ssh, not over HTTP
    expect(await runHg(['config', 'paths.default'], { cwd: appDir })).toBe(
      `${sshUrl}\n`,
    );
    expect(sshUrl).toBe(sshd.url(hgServer.repoDir('team/roundtrip')));

    // hg:commit
    await fs.outputFile(path.join(appDir, 'src/index.ts'), 'export {};\n');
    await fs.appendFile(path.join(appDir, 'README.md'), '\nMore.\n');
    const commit = actionContext({
      workspacePath,
      input: {
        path: 'app',
        message: 'Add the source',
        authorName: 'Template Bot',
        authorEmail: 'bot@example.com',
      },
    });
    await run(createHgCommitAction(options), commit);
    const { commitHash, committed } = commit.outputs();
    expect(committed).toBe(true);
    expect(commitHash).toMatch(NODE);
    expect(commitHash).not.toBe(defaultHead);

    // hg:push, to where it was cloned from
    const push = actionContext({ workspacePath, input: { path: 'app' } });
    await run(createHgPushAction(options), push);
    expect(push.outputs()).toEqual({ remoteUrl: sshUrl, commitHash });

    const repoDir = hgServer.repoDir('team/roundtrip');
    expect(
      await runHg(
        [
          'log',
          '-r',
          String(commitHash),
          '-T',
          '{author}|{desc}|{p1node}|{branch}',
        ],
        {
          cwd: repoDir,
        },
      ),
    ).toBe(
      `Template Bot <bot@example.com>|Add the source|${defaultHead}|default`,
    );
    const res = await fetch(
      `${hgServer.baseUrl}/team/roundtrip/raw-file/${commitHash}/src/index.ts`,
    );
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('export {};\n');

    // pushing again has nothing to push
    const again = actionContext({ workspacePath, input: { path: 'app' } });
    await run(createHgPushAction(options), again);
    expect(again.outputs()).toEqual({ remoteUrl: sshUrl, commitHash });
    expect(again.logCalls().map(c => c.args[0])).toContain(
      'Nothing to push: the destination has every commit',
    );
  });

  /** Every changeset of a server repository with its branch and bookmarks. */
  const serverState = (name: string) =>
    runHg(['log', '-r', 'all()', '-T', '{node} {branch} {bookmarks}\n'], {
      cwd: hgServer.repoDir(name),
    });

  it('pushes a new branch over ssh and leaves every other branch head and bookmark on the server as it was', async () => {
    const name = 'team/ssh-branch';
    const info = await hgServer.addRepository(name, {
      commits: [
        { files: { 'README.md': 'one\n' } },
        { branch: 'stable', files: { 'stable.txt': 'stable\n' } },
        { parent: '0', files: { 'README.md': 'two\n' }, bookmarks: ['@'] },
      ],
    });
    const before = await serverState(name);
    const options = actionOptions();
    const workspacePath = (await createTempDir('publish-ssh-ws-')).path;
    temporaryDirs.push(workspacePath);
    await run(
      createHgCloneAction(options),
      actionContext({
        workspacePath,
        input: { repoUrl: `${hgServer.baseUrl}/${name}` },
      }),
    );
    await fs.outputFile(path.join(workspacePath, 'feature.txt'), 'f\n');

    // the old way, a commit on default and a push to a new branch: refused,
    // and the server is exactly as it was
    const onDefault = actionContext({
      workspacePath,
      input: { message: 'On default' },
    });
    await run(createHgCommitAction(options), onDefault);
    const refused = run(
      createHgPushAction(options),
      actionContext({ workspacePath, input: { branch: 'feature/x' } }),
    );
    await expect(refused).rejects.toThrow(
      `it would send changesets on 'default', not on the requested branch 'feature/x': ${onDefault.outputs().commitHash} (default)`,
    );
    expect(await serverState(name)).toBe(before);

    // back to the server's default head, and the commit on the new branch
    await runHg(['update', '-q', '--clean', info.nodes[2]], {
      cwd: workspacePath,
    });
    await runHg(
      [
        'strip',
        '-q',
        '--config',
        'extensions.strip=',
        String(onDefault.outputs().commitHash),
      ],
      {
        cwd: workspacePath,
      },
    );
    await fs.outputFile(path.join(workspacePath, 'feature.txt'), 'f\n');
    const commit = actionContext({
      workspacePath,
      input: { message: 'Add the feature', branch: 'feature/x' },
    });
    await run(createHgCommitAction(options), commit);
    const { commitHash } = commit.outputs();
    const push = actionContext({
      workspacePath,
      input: { branch: 'feature/x', bookmark: 'feature-x' },
    });
    await run(createHgPushAction(options), push);
    expect(push.outputs().commitHash).toBe(commitHash);
    expect(await serverState(name)).toBe(
      `${before}${commitHash} feature/x feature-x\n`,
    );
    expect(
      await runHg(['heads', 'default', 'stable', '-T', '{node}\n'], {
        cwd: hgServer.repoDir(name),
      }),
    ).toBe(`${info.nodes[2]}\n${info.nodes[1]}\n`);
  });
});

describe('the private key', () => {
  /**
   * The key itself and each line of its body but the first (which is the
   * same for every ed25519 key without a passphrase), any of which would be
   * a leak.
   */
  const fragments = () => [
    key.privateKey,
    key.privateKey.trim(),
    ...key.privateKey
      .split('\n')
      .filter(line => line && !line.startsWith('-----'))
      .slice(1),
  ];

  it('never appears in a log line, an output or an error of the runs above', () => {
    expect(seen.logs.length).toBeGreaterThan(0);
    expect(seen.outputs.length).toBeGreaterThan(0);
    expect(seen.errors.length).toBeGreaterThanOrEqual(3);
    for (const fragment of fragments()) {
      for (const text of [...seen.logs, ...seen.outputs, ...seen.errors]) {
        expect(text).not.toContain(fragment);
      }
    }
  });

  it('is not left in any temporary directory or workspace the actions used', async () => {
    const files: string[] = [];
    const walk = async (dir: string) => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(full);
        } else if (entry.isFile()) {
          files.push(full);
        }
      }
    };
    for (const dir of temporaryDirs) {
      if (await fs.pathExists(dir)) {
        await walk(dir);
      }
    }
    expect(files.length).toBeGreaterThan(0);
    // the runner's own directories (0600 key files live there while hg runs)
    for (const entry of await fs.readdir(os.tmpdir())) {
      if (entry.startsWith('backstage-hg-')) {
        const id = path.join(os.tmpdir(), entry, 'id');
        if (await fs.pathExists(id)) {
          files.push(id);
        }
      }
    }
    for (const file of files) {
      const content = await fs.readFile(file, 'latin1');
      for (const fragment of fragments()) {
        expect(content).not.toContain(fragment);
      }
    }
  });
});
