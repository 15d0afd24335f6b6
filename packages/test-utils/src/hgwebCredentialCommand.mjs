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

// A credential command (integrations.mercurial[].credentialCommand) for the
// server of startHgwebWsgi: `node hgwebCredentialCommand.mjs <secretFile>`.
// The secret file (written by writeHgwebMintSecret) is JSON:
//   {"secret", "serviceUser", "lifetimeMs", "logFile"?}
// It reads the request the pack sends on stdin,
//   {"host", "url", "purpose", "onBehalfOf"?: "user:default/alice", "ownershipEntityRefs"?}
// mints a password for the user named by onBehalfOf (the name part of the
// entity ref), or for serviceUser when there is none, and prints
//   {"username", "password", "expiresAt"}
// When logFile is set, it appends one JSON line per call to it:
//   {"user", "purpose", "host", "onBehalfOf"?, "expiresAt"} (never the secret
// or the password).
import { promises as fs } from 'node:fs';
import { mintPassword } from './hgwebMint.mjs';

function fail(message) {
  process.stderr.write(`hgwebCredentialCommand: ${message}\n`);
  process.exit(1);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** 'user:default/alice' -> 'alice'; anything but a user entity ref fails. */
function userOf(entityRef) {
  const match = /^([^:/]+):(?:([^:/]+)\/)?([^:/]+)$/.exec(String(entityRef));
  if (!match || match[1].toLowerCase() !== 'user') {
    fail(
      `onBehalfOf must be a user entity ref like 'user:default/alice', not ${JSON.stringify(entityRef)}`,
    );
  }
  return match[3];
}

const secretFile = process.argv[2];
if (!secretFile) {
  fail('usage: node hgwebCredentialCommand.mjs <secretFile>');
}
let settings;
try {
  settings = JSON.parse(await fs.readFile(secretFile, 'utf8'));
} catch (error) {
  fail(
    `cannot read the secret file ${secretFile}: ${error.code ?? 'not JSON'}`,
  );
}
if (typeof settings.secret !== 'string' || !settings.secret) {
  fail(`the secret file ${secretFile} has no "secret"`);
}
if (typeof settings.serviceUser !== 'string' || !settings.serviceUser) {
  fail(`the secret file ${secretFile} has no "serviceUser"`);
}

let request;
try {
  request = JSON.parse(await readStdin());
} catch {
  fail('stdin is not a JSON object');
}
if (typeof request !== 'object' || request === null) {
  fail('stdin is not a JSON object');
}

const user =
  request.onBehalfOf === undefined || request.onBehalfOf === null
    ? settings.serviceUser
    : userOf(request.onBehalfOf);
const lifetimeMs = Number(settings.lifetimeMs ?? 10 * 60_000);
const { password, expiresAt } = mintPassword(settings.secret, user, lifetimeMs);

if (settings.logFile) {
  const entry = {
    user,
    purpose: request.purpose,
    host: request.host,
    ...(request.onBehalfOf ? { onBehalfOf: request.onBehalfOf } : {}),
    expiresAt: expiresAt.toISOString(),
  };
  await fs.appendFile(settings.logFile, `${JSON.stringify(entry)}\n`);
}
process.stdout.write(
  `${JSON.stringify({ username: user, password, expiresAt: expiresAt.toISOString() })}\n`,
);
