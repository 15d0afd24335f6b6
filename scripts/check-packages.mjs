// Proves that every public package of this repository publishes and works outside it, the way an
// adopter gets it from npm. Run by scripts/check-packages.sh (and so by .ci/run), after the packages
// are built. For each non-private workspace:
//   1. its runtime dependencies are what its built code (dist/, config schema) imports: none unused,
//      none undeclared;
//   2. `yarn pack` packs it (Backstage's prepack checks included), and the tarball holds its entry
//      points, its `configSchema` file and every file its package.json names, with no `workspace:`
//      range left;
// then all tarballs are installed together with npm into a scratch project outside the repository,
// next to the previous minor of @backstage/backend-defaults (an app one release behind), and
//   3. every entry point is required (and imported, for ESM entries) there; a frontend package,
//      which only a bundler loads (directory imports, CSS), instead has every module its built code
//      imports resolved from where it is installed;
//   4. the scratch project holds one copy of each Backstage core package (no second copy pulled in
//      by a too-narrow range of ours).
// Exits non-zero with a list of every problem found.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { builtinModules } from 'node:module';

const repoRoot = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '..',
);
const problems = [];
const problem = (pkg, text) => problems.push(`${pkg}: ${text}`);
const log = text => process.stderr.write(`\x1b[1m==> ${text}\x1b[0m\n`);

function run(cmd, args, options = {}) {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
}

// Packages that only a bundler loads: checked by resolving their imports, not by loading them.
const FRONTEND_ROLES = new Set([
  'frontend-plugin',
  'frontend-plugin-module',
  'web-library',
]);

// Backstage core packages an app holds exactly once: a second copy of one of these in an app is a
// bug (two service or API registries, two config readers).
const SINGLETONS = [
  '@backstage/backend-defaults',
  '@backstage/backend-plugin-api',
  '@backstage/catalog-model',
  '@backstage/config',
  '@backstage/errors',
  '@backstage/integration',
  '@backstage/plugin-catalog-node',
  '@backstage/plugin-scaffolder-node',
  '@backstage/plugin-permission-common',
  '@backstage/plugin-permission-node',
  '@backstage/types',
];

const workspaces = run('yarn', ['workspaces', 'list', '--json'], {
  cwd: repoRoot,
})
  .trim()
  .split('\n')
  .map(line => JSON.parse(line))
  .filter(w => w.location !== '.')
  .map(w => {
    const dir = path.join(repoRoot, w.location);
    return {
      dir,
      pkg: JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')),
    };
  })
  .filter(w => !w.pkg.private);

if (workspaces.length === 0) {
  console.error('No public workspace found');
  process.exit(1);
}

const builtins = new Set(builtinModules.flatMap(m => [m, `node:${m}`]));
const packageName = spec =>
  spec.startsWith('@')
    ? spec.split('/').slice(0, 2).join('/')
    : spec.split('/')[0];

function listFiles(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter(e => e.isFile())
    .map(e => path.join(e.parentPath ?? e.path, e.name));
}

// 0. The Node.js that runs this (and so CI and the tests) is one the packages declare.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (![22, 24].includes(nodeMajor)) {
  problem(
    'node',
    `running on Node.js ${process.version}; the packages support 22 and 24 (scripts/setup.sh installs 22)`,
  );
}

// 1. Runtime dependencies against what the built code imports.
for (const { dir, pkg } of workspaces) {
  const files = [
    ...listFiles(path.join(dir, 'dist')).filter(f =>
      /\.(c?js|mjs|d\.ts)$/.test(f),
    ),
    ...(pkg.configSchema && typeof pkg.configSchema === 'string'
      ? [path.join(dir, pkg.configSchema)]
      : []),
  ];
  if (!files.some(f => f.includes(`${path.sep}dist${path.sep}`))) {
    problem(
      pkg.name,
      `no dist/ (build it first: yarn backstage-cli repo build)`,
    );
    continue;
  }
  const imported = new Set();
  // require('x') in the CommonJS output, import/export ... from 'x' statements in the ESM output
  // and the type declarations (a type-only dependency is still one: the adopter's tsc needs it).
  const requireRe = /\brequire\(\s*['"]([^'"./][^'"]*)['"]\s*\)/g;
  const statementRe =
    /^\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?\s*['"]([^'"./][^'"]*)['"]/gm;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const found = [
      ...(/\.c?js$/.test(file) ? text.matchAll(requireRe) : []),
      ...text.matchAll(statementRe),
    ];
    for (const m of found) {
      const name = packageName(m[1]);
      if (!builtins.has(m[1]) && name !== pkg.name) imported.add(name);
    }
  }
  const declared = new Set([
    ...Object.keys(pkg.dependencies ?? {}),
    ...Object.keys(pkg.peerDependencies ?? {}),
  ]);
  for (const name of imported) {
    if (!declared.has(name)) {
      problem(
        pkg.name,
        `its built code imports ${name}, which is not a dependency`,
      );
    }
  }
  for (const name of Object.keys(pkg.dependencies ?? {})) {
    if (!imported.has(name) && !name.startsWith('@types/')) {
      problem(
        pkg.name,
        `dependency ${name} is never imported by its built code`,
      );
    }
  }
  for (const field of [
    'repository',
    'homepage',
    'engines',
    'keywords',
    'license',
  ]) {
    if (!pkg[field]) problem(pkg.name, `package.json has no "${field}" field`);
  }
}

// 2. Pack each one.
const scratch = fs.mkdtempSync(
  path.join(os.tmpdir(), 'backstage-mercurial-packages-'),
);
const tarballs = [];
try {
  for (const { dir, pkg } of workspaces) {
    const out = path.join(
      scratch,
      `${pkg.name.replace('@', '').replace('/', '-')}.tgz`,
    );
    log(`Packing ${pkg.name}`);
    try {
      run('yarn', ['pack', '--out', out], { cwd: dir });
    } catch (error) {
      problem(pkg.name, `yarn pack failed:\n${error.stdout}${error.stderr}`);
      continue;
    }
    const entries = new Set(
      run('tar', ['-tzf', out])
        .split('\n')
        .filter(Boolean)
        .map(e => e.replace(/^package\//, '')),
    );
    const packed = JSON.parse(
      run('tar', ['-xzOf', out, 'package/package.json']),
    );
    const wanted = [
      packed.main,
      packed.module,
      packed.types,
      typeof packed.configSchema === 'string' ? packed.configSchema : undefined,
      ...Object.values(packed.exports ?? {}).flatMap(e =>
        typeof e === 'string' ? [e] : Object.values(e),
      ),
      ...(packed.files ?? []).filter(
        f => !/[*]/.test(f) && !['dist'].includes(f),
      ),
    ].filter(f => typeof f === 'string' && !f.endsWith('/package.json'));
    for (const file of wanted) {
      const rel = path.posix.normalize(file).replace(/^\.\//, '');
      if (![...entries].some(e => e === rel || e.startsWith(`${rel}/`))) {
        problem(pkg.name, `its tarball lacks ${rel}`);
      }
    }
    for (const field of [
      'dependencies',
      'peerDependencies',
      'optionalDependencies',
    ]) {
      for (const [name, range] of Object.entries(packed[field] ?? {})) {
        if (String(range).startsWith('workspace:')) {
          problem(pkg.name, `its packed ${field} keep ${name}@${range}`);
        }
      }
    }
    tarballs.push({ out, pkg: packed });
  }

  // 3. Install them together outside the repository, beside an app one release behind.
  if (tarballs.length > 0) {
    const app = path.join(scratch, 'app');
    fs.mkdirSync(app);
    const previousDefaults = previousMinor('@backstage/backend-defaults');
    fs.writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify(
        {
          name: 'scratch-app',
          private: true,
          dependencies: { '@backstage/backend-defaults': previousDefaults },
        },
        null,
        2,
      ),
    );
    log(
      `Installing ${tarballs.length} tarballs with npm into ${app}, beside @backstage/backend-defaults@${previousDefaults}`,
    );
    try {
      run(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--ignore-scripts',
          ...tarballs.map(t => t.out),
        ],
        { cwd: app, stdio: ['ignore', 'pipe', 'pipe'] },
      );
    } catch (error) {
      problem('npm install', `${error.stdout}${error.stderr}`);
    }
    if (fs.existsSync(path.join(app, 'node_modules'))) {
      for (const { pkg } of tarballs) {
        if (FRONTEND_ROLES.has(pkg.backstage?.role)) {
          const installed = path.join(app, 'node_modules', pkg.name);
          const code = listFiles(path.join(installed, 'dist')).filter(f =>
            /\.esm\.js$/.test(f),
          );
          const specs = new Set();
          const re =
            /^\s*(?:import|export)\s(?:[^;'"]*?\sfrom\s)?\s*['"]([^'"./][^'"]*)['"]|\bimport\(\s*['"]([^'"./][^'"]*)['"]\s*\)/gm;
          for (const file of code) {
            for (const m of fs.readFileSync(file, 'utf8').matchAll(re)) {
              specs.add(m[1] ?? m[2]);
            }
          }
          try {
            const unresolved = run(
              process.execPath,
              [
                '-e',
                `const specs = ${JSON.stringify([...specs])};
                 const bad = specs.filter(s => { try { require.resolve(s, { paths: [${JSON.stringify(installed)}] }); return false; } catch { return true; } });
                 console.log(bad.join(','));`,
              ],
              { cwd: app },
            ).trim();
            if (!code.length) problem(pkg.name, 'no dist/*.esm.js installed');
            else if (unresolved)
              problem(
                pkg.name,
                `its built code imports modules that do not resolve where it is installed: ${unresolved}`,
              );
            else
              log(
                `${pkg.name} (frontend): ${specs.size} imported modules resolve where it is installed`,
              );
          } catch (error) {
            problem(pkg.name, `resolving its imports failed: ${error.stderr}`);
          }
          continue;
        }
        const specs = [pkg.name];
        for (const key of Object.keys(pkg.exports ?? {})) {
          if (key !== '.' && key !== './package.json')
            specs.push(`${pkg.name}/${key.slice(2)}`);
        }
        for (const spec of specs) {
          try {
            const keys = run(
              process.execPath,
              [
                '-e',
                `console.log(Object.keys(require(${JSON.stringify(spec)})).join(','))`,
              ],
              { cwd: app },
            ).trim();
            if (!keys) problem(pkg.name, `require('${spec}') exports nothing`);
            else log(`require('${spec}'): ${keys}`);
          } catch (error) {
            problem(
              pkg.name,
              `require('${spec}') failed outside the repository:\n${error.stderr}`,
            );
          }
        }
        if (pkg.module) {
          try {
            run(
              process.execPath,
              [
                '--input-type=module',
                '-e',
                `await import(${JSON.stringify(pkg.name)})`,
              ],
              {
                cwd: app,
              },
            );
          } catch (error) {
            problem(
              pkg.name,
              `import('${pkg.name}') failed outside the repository:\n${error.stderr}`,
            );
          }
        }
      }
      // 4. One copy of each Backstage core package.
      for (const name of SINGLETONS) {
        const copies = findCopies(path.join(app, 'node_modules'), name);
        if (copies.length > 1) {
          problem(
            'scratch app',
            `${copies.length} copies of ${name} (${copies.map(c => `${c.version} in ${path.relative(app, c.dir)}`).join('; ')}): a range of ours is too narrow for an app one minor behind`,
          );
        }
      }
    }
  }
} finally {
  if (problems.length === 0 || process.env.KEEP_SCRATCH !== '1') {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (problems.length > 0) {
  console.error(
    `\n${problems.length} packaging problem(s):\n- ${problems.join('\n- ')}`,
  );
  process.exit(1);
}
console.log(
  `All ${workspaces.length} public packages pack, install with npm outside the repository and load.`,
);

// The newest release of the minor before the latest one of a 0.x package (the app one behind).
function previousMinor(name) {
  const versions = JSON.parse(
    run('npm', ['view', name, 'versions', '--json']),
  ).filter(v => /^\d+\.\d+\.\d+$/.test(v));
  const latest = versions[versions.length - 1].split('.').map(Number);
  const older = versions.filter(v => {
    const [major, minor] = v.split('.').map(Number);
    return major === latest[0] && minor === latest[1] - 1;
  });
  return older[older.length - 1] ?? versions[versions.length - 1];
}

function findCopies(nodeModules, name) {
  const found = [];
  const walk = dir => {
    const candidate = path.join(dir, ...name.split('/'));
    if (fs.existsSync(path.join(candidate, 'package.json'))) {
      found.push({
        dir: candidate,
        version: JSON.parse(
          fs.readFileSync(path.join(candidate, 'package.json'), 'utf8'),
        ).version,
      });
    }
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      if (entry.startsWith('.')) continue;
      const scoped = entry.startsWith('@')
        ? fs.readdirSync(path.join(dir, entry)).map(e => path.join(entry, e))
        : [entry];
      for (const p of scoped) {
        const nested = path.join(dir, p, 'node_modules');
        if (fs.existsSync(nested)) walk(nested);
      }
    }
  };
  walk(nodeModules);
  return found;
}
