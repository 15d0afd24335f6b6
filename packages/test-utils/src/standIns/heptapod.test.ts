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

import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { runHg } from '../hg';
import { createTempDir } from '../tempDir';
import { HeptapodStandIn, startHeptapodStandIn } from './heptapod';

const TOKEN = 'glpat-shape-token';

/**
 * The stand-in answers the shapes of hosted-products.md (GitLab's API v4
 * with Heptapod's vcs_type and hg_id), from real hg.
 */
describe('startHeptapodStandIn', () => {
  let h: HeptapodStandIn;
  let node: string;
  const api = (p: string, init: RequestInit = {}, token = TOKEN) =>
    fetch(`${h.apiUrl}${p}`, {
      ...init,
      headers: { Authorization: `Bearer ${token}`, ...init.headers },
    });

  beforeAll(async () => {
    h = await startHeptapodStandIn({
      tokens: [TOKEN],
      maxPerPage: 2,
      projects: [
        {
          path: 'group/project',
          commits: [
            {
              message: 'One\n\nbody',
              user: 'Alice <alice@example.com>',
              files: { 'docs/index.md': 'x\n', 'README.md': 'r\n' },
            },
          ],
        },
        { path: 'group/sub/other', visibility: 'public' },
        { path: 'group/git', vcsType: 'git' },
      ],
    });
    node = h.created['group/project'].nodes[0];
  });
  afterAll(() => h?.stop());

  it('answers a project by its url-encoded path with Heptapod fields', async () => {
    const res = await api('/projects/group%2Fproject');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      id: expect.any(Number),
      path_with_namespace: 'group/project',
      default_branch: 'branch/default',
      archived: false,
      vcs_type: 'hg',
      web_url: `${h.baseUrl}/group/project`,
      last_activity_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const empty = await (await api('/projects/group%2Fsub%2Fother')).json();
    expect(empty.default_branch).toBeNull();
  });

  it('answers commits with GitLab ids and the hg node as hg_id', async () => {
    const project = await (await api('/projects/group%2Fproject')).json();
    const res = await api(
      `/projects/${project.id}/repository/commits?ref_name=branch%2Fdefault&per_page=1`,
    );
    const [commit] = await res.json();
    expect(commit).toMatchObject({
      hg_id: node,
      short_hg_id: node.slice(0, 12),
      title: 'One',
      message: 'One\n\nbody',
      author_name: 'Alice',
      author_email: 'alice@example.com',
    });
    expect(commit.id).toMatch(/^[0-9a-f]{40}$/);
    expect(commit.id).not.toBe(node);
    expect(res.headers.get('x-total')).toBe('1');
    expect(res.headers.get('x-next-page')).toBe('');
  });

  it('pages lists with X-Next-Page and X-Total-Pages', async () => {
    const res = await api('/projects?per_page=100');
    expect(res.headers.get('x-per-page')).toBe('2');
    expect(res.headers.get('x-total-pages')).toBe('2');
    expect(res.headers.get('x-next-page')).toBe('2');
    expect((await res.json()).length).toBe(2);
    const last = await api('/projects?per_page=100&page=2');
    expect(last.headers.get('x-next-page')).toBe('');
  });

  it("answers GitLab's errors: 401 for a bad token, 404 for a private project without one, 400 for a taken path", async () => {
    const bad = await api('/projects/group%2Fproject', {}, 'nope');
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ message: '401 Unauthorized' });
    const anonymous = await fetch(`${h.apiUrl}/projects/group%2Fproject`);
    expect(anonymous.status).toBe(404);
    expect(await anonymous.json()).toEqual({
      message: '404 Project Not Found',
    });
    const group = await (await api('/groups/group')).json();
    const taken = await api('/projects', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        name: 'project',
        path: 'project',
        namespace_id: group.id,
        vcs_type: 'hg',
      }),
    });
    expect(taken.status).toBe(400);
    expect((await taken.json()).message.path).toEqual([
      'has already been taken',
    ]);
    const unknown = await api('/nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ message: '404 Not Found' });
  });

  it('streams an archive of only the asked path, from hg archive', async () => {
    const project = await (await api('/projects/group%2Fproject')).json();
    const res = await api(
      `/projects/${project.id}/repository/archive.tar.gz?sha=${node}&path=docs`,
    );
    expect(res.status).toBe(200);
    const list = execFileSync('tar', ['-tzf', '-'], {
      input: Buffer.from(await res.arrayBuffer()),
    })
      .toString()
      .trim()
      .split('\n');
    expect(list).toEqual([
      expect.stringMatching(/^project-[^/]+\/docs\/index\.md$/),
    ]);
  });

  it('serves hg over HTTP with a token as the password, and refuses others', async () => {
    const dir = await createTempDir('heptapod-clone-');
    try {
      const url = new URL(h.repoUrl('group/project'));
      url.username = 'anyone';
      url.password = TOKEN;
      await runHg(['clone', '-q', url.toString(), path.join(dir.path, 'ok')]);
      expect(
        await runHg(['-R', path.join(dir.path, 'ok'), 'log', '-T', '{node}']),
      ).toBe(node);

      // a topic pushed stays a draft and is listed as topic/{branch}/{topic}
      const ok = path.join(dir.path, 'ok');
      const topic = ['--config', 'extensions.topic=', '-R', ok];
      await runHg([...topic, 'topics', 'my-topic']);
      await fs.writeFile(path.join(ok, 'new.txt'), 'new\n');
      await runHg([...topic, 'commit', '-qAm', 'On a topic', '-u', 'T <t@x>']);
      await runHg([...topic, 'push', '-q', url.toString()]);
      const project = await (await api('/projects/group%2Fproject')).json();
      const branches = await (
        await api(`/projects/${project.id}/repository/branches`)
      ).json();
      expect(branches.map((b: { name: string }) => b.name).sort()).toEqual([
        'branch/default',
        'topic/default/my-topic',
      ]);
      // the branch's head is not the topic's draft
      expect(
        branches.find((b: { name: string }) => b.name === 'branch/default')
          .commit.hg_id,
      ).toBe(node);

      url.password = 'wrong';
      await expect(
        runHg(['clone', '-q', url.toString(), path.join(dir.path, 'no')]),
      ).rejects.toThrow(/authorization failed|401/);
    } finally {
      await dir.remove();
    }
  });
});
