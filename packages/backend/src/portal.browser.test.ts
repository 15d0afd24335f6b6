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

/*
 * The demo portal in a real browser: scripts/start.sh (as the README starts
 * it) serves the portal and the backend on http://localhost:7007 against a
 * real hg serve; Debian's chromium, driven by playwright-core, clicks through
 * it as a person would. Screenshots of every step go to
 * packages/backend/.e2e/screenshots (git-ignored; E2E_SCREENSHOTS_DIR
 * overrides it, and .ci/run lists them).
 */

/* eslint jest/expect-expect: ["error", { "assertFunctionNames": ["expect", "expectVisible"] }] */

import { ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { chromium, Browser, Locator, Page } from 'playwright-core';
import { eventually, freePort } from '@backstage-mercurial/test-utils';

jest.setTimeout(600_000);

const repoRoot = path.resolve(__dirname, '../../..');
const portalUrl = 'http://localhost:7007';
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshotsDir =
  process.env.E2E_SCREENSHOTS_DIR ??
  path.resolve(__dirname, '../.e2e/screenshots');

/** The start script's output, for the failure message. */
let output = '';
let startScript: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let shots = 0;

async function screenshot(name: string) {
  shots += 1;
  await page.screenshot({
    path: path.join(
      screenshotsDir,
      `${String(shots).padStart(2, '0')}-${name}.png`,
    ),
    fullPage: true,
  });
}

/**
 * A browser step, with a screenshot of the page after it (\`NN-<name>.png\`),
 * or of what the page showed when it failed (\`NN-failed-<name>.png\`).
 */
function shot(name: string, fn: () => Promise<void>) {
  return async () => {
    try {
      await fn();
    } catch (e) {
      await screenshot(`failed-${name}`).catch(() => {});
      throw e;
    }
    await screenshot(name);
  };
}

/** Waits for a locator, and asserts that it is visible. */
async function expectVisible(locator: Locator, timeout?: number) {
  await locator.waitFor({ timeout });
  expect(await locator.isVisible()).toBe(true);
}

/** A tab of the entity page (Overview, TechDocs, Mercurial). */
function entityTab(title: string) {
  return page
    .locator('[role="tab"], a')
    .filter({ hasText: new RegExp(`^${title}$`) })
    .first();
}

async function stopStartScript() {
  const child = startScript;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise(resolve => child.once('exit', resolve));
  // Its own process group: the script's trap stops the backend and hg serve.
  process.kill(-child.pid!, 'SIGTERM');
  const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

beforeAll(async () => {
  await fs.access(chromiumPath).catch(() => {
    throw new Error(
      `The browser test needs Debian's chromium at ${chromiumPath} (CHROMIUM_PATH overrides it): run scripts/setup.sh, which installs it`,
    );
  });
  await fs.rm(screenshotsDir, { recursive: true, force: true });
  await fs.mkdir(screenshotsDir, { recursive: true });
  const hgPort = await freePort();
  // The environment a person's shell has: not jest's NODE_ENV=test (the
  // backend runs in development, as \`backstage-cli package start\` sets it).
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.NODE_ENV;
  delete env.JEST_WORKER_ID;
  startScript = spawn('bash', ['scripts/start.sh'], {
    cwd: repoRoot,
    env: { ...env, SKIP_SETUP: '1', HG_DEMO_PORT: String(hgPort) },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  startScript.stdout!.on('data', d => (output += d));
  startScript.stderr!.on('data', d => (output += d));
  const exited = new Promise<never>((_, reject) =>
    startScript!.once('exit', code =>
      reject(
        new Error(
          `scripts/start.sh exited with ${code} before the demo was up:\n${output.slice(-4000)}`,
        ),
      ),
    ),
  );
  exited.catch(() => {});
  // Up when the catalog lists the demo component and the portal answers.
  await Promise.race([
    exited,
    eventually(
      'the demo started by scripts/start.sh',
      async () => {
        const entity = await fetch(
          `${portalUrl}/api/catalog/entities/by-name/component/default/hg-demo-service`,
        ).catch(() => undefined);
        const html = await fetch(portalUrl).catch(() => undefined);
        return (
          entity?.ok &&
          html?.ok &&
          (await html.text()).includes('<div id="root">')
        );
      },
      {
        timeoutMs: 300_000,
        intervalMs: 1000,
        explain: async () => output.slice(-4000),
      },
    ),
  ]);
  browser = await chromium.launch({
    executablePath: chromiumPath,
    // Without the background-networking switches chromium keeps calling
    // hosts this machine cannot reach.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(60_000);
});

afterAll(async () => {
  await browser?.close();
  await stopStartScript();
});

describe('the demo portal (scripts/start.sh) in chromium', () => {
  // A new name on every run: start.sh keeps repositories made from the template.
  const newService = `e2e-${Date.now().toString(36)}`;

  it(
    'signs in as the guest and lists the demo component in the catalog',
    shot('catalog', async () => {
      await page.goto(portalUrl);
      await page.getByRole('button', { name: 'Enter' }).click();
      await expectVisible(page.getByRole('link', { name: 'Demo service' }));
    }),
  );

  it(
    'shows the README, the changesets and the contributors on the demo component page',
    shot('entity-page', async () => {
      await page.getByRole('link', { name: 'Demo service' }).click();
      // The README card: the text of demo/repositories/service/README.md, rendered.
      await expectVisible(
        page.getByText(
          'A small example of a service kept in a Mercurial repository',
        ),
      );
      // The recent changesets card: the demo commit's message, linking to hgweb.
      const changeset = page.getByRole('link', {
        name: /Demo repository demo\/service/,
      });
      await expectVisible(changeset);
      expect(await changeset.getAttribute('href')).toMatch(
        /^http:\/\/127\.0\.0\.1:\d+\/demo\/service\/rev\/[0-9a-f]{40}$/,
      );
      // The contributors card: Alice made three of the five changesets
      // (demo/history/service.json).
      await expectVisible(page.getByText('Contributors', { exact: true }));
      await expectVisible(page.getByText(/^3 changesets · last /));
    }),
  );

  it(
    'shows the full history on the Mercurial tab',
    shot('mercurial-tab', async () => {
      await entityTab('Mercurial').click();
      await expectVisible(
        page.getByText(/Demo repository demo\/service/).first(),
      );
      await expectVisible(page.getByText('tag: v1.0').first());
    }),
  );

  it(
    'shows the TechDocs of the demo component',
    shot('techdocs', async () => {
      await entityTab('TechDocs').click();
      await expectVisible(page.getByText('TechDocs fetched the'));
    }),
  );

  it(
    'creates a repository from the template with the picker, and the new entity shows its first changeset',
    shot('new-entity', async () => {
      await page.goto(`${portalUrl}/create`);
      await page.getByRole('button', { name: 'Choose' }).first().click();
      await page.getByRole('textbox', { name: 'Name' }).fill(newService);
      await page.getByRole('button', { name: 'Next' }).click();
      // The picker: the host from integrations.mercurial, the owner from
      // ui:options.allowedOwners, the name typed; publish:hg's own rules,
      // checked before the run.
      const repository = page.getByRole('textbox', { name: 'Repository' });
      await repository.fill('-not-valid');
      await page.getByRole('button', { name: 'Review' }).click();
      await expectVisible(page.getByText(/Invalid repository path/).first());
      await screenshot('picker-invalid');
      // demo/service exists and has changesets: the picker says so before the run.
      await repository.fill('service');
      await expectVisible(
        page.getByText(
          /\/demo\/service already exists and has changesets: publish:hg will refuse it/,
        ),
      );
      await screenshot('picker-exists');
      await repository.fill(newService);
      await screenshot('picker');
      await page.getByRole('button', { name: 'Review' }).click();
      await page.getByRole('button', { name: 'Create' }).click();
      const open = page.getByRole('link', { name: 'Open in catalog' });
      await expectVisible(open, 180_000);
      await screenshot('task-done');
      await open.click();
      // The catalog processes the registered location in the background: the
      // page says "Entity not found" until it has, as a person would see
      // before reloading.
      const firstChangeset = page.getByRole('link', {
        name: new RegExp(`Create ${newService} from the demo template`),
      });
      await eventually(
        `the first changeset on the page of ${newService}`,
        async () => {
          if (await firstChangeset.isVisible()) {
            return true;
          }
          await page.reload();
          await firstChangeset.waitFor({ timeout: 10_000 }).catch(() => {});
          return firstChangeset.isVisible();
        },
        { timeoutMs: 180_000, intervalMs: 2000 },
      );
      expect(await firstChangeset.getAttribute('href')).toMatch(
        new RegExp(`/demo/${newService}/rev/[0-9a-f]{40}$`),
      );
    }),
  );
});
