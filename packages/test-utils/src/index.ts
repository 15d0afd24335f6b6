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

/**
 * Test helpers for the Mercurial extension pack: build Mercurial repositories
 * with the real `hg` and serve them with a real `hg serve`.
 *
 * @packageDocumentation
 */

export { runHg } from './hg';
export { createHgRepository } from './repository';
export type {
  HgCommitSpec,
  HgFileSpec,
  HgRepositoryInfo,
  HgRepositorySpec,
} from './repository';
export { startHgServer } from './server';
export type { HgTestServer, HgTestServerOptions } from './server';
export { createTempDir } from './tempDir';
export { eventually } from './eventually';
export { freePort } from './loopback';
export { startBasicAuthProxy } from './authProxy';
export type {
  AuthProxyRequest,
  BasicAuthProxy,
  BasicAuthProxyOptions,
} from './authProxy';
export { startTokenFront } from './tokenFront';
export type {
  TokenFront,
  TokenFrontOptions,
  TokenFrontRequest,
} from './tokenFront';
export { startOidcProvider } from './oidcProvider';
export type {
  OidcProviderOptions,
  OidcTestProvider,
  OidcTokenEvent,
} from './oidcProvider';
export { generateSshKeyPair, startSshServer } from './sshServer';
export type {
  SshKeyPair,
  SshTestServer,
  SshTestServerOptions,
} from './sshServer';
export { startPostgres } from './postgres';
export type { PostgresTestServer, PostgresTestServerOptions } from './postgres';
export { startRedis } from './redis';
export type { RedisTestServer, RedisTestServerOptions } from './redis';
export { recordingAuditor } from './auditor';
export type { RecordedAuditEvent } from './auditor';
// Helpers of the benchmarks (`yarn bench`): timings, tables, RSS sampling.
export {
  countFiles,
  gc,
  markdownTable,
  median,
  megabytes,
  now,
  seconds,
  silentLogger,
  sleep,
  spread,
  startRssSampler,
} from './bench';
export type { Row } from './bench';
export {
  hgwebCredentialCommandPath,
  mintHgwebPassword,
  startHgwebWsgi,
  writeHgwebMintSecret,
} from './wsgiServer';
export type {
  HgwebAccessLogEntry,
  HgwebAccessRules,
  HgwebWsgiServer,
  HgwebWsgiServerOptions,
} from './wsgiServer';
export { mockAuthWithActorsFactory } from './mockAuth';
export { startKallitheaStandIn } from './standIns/kallithea';
export type {
  KallitheaStandIn,
  KallitheaStandInOptions,
  KallitheaStandInRepository,
  KallitheaStandInRequest,
  KallitheaStandInUser,
} from './standIns/kallithea';
export { startHeptapodStandIn } from './standIns/heptapod';
export type {
  HeptapodStandIn,
  HeptapodStandInOptions,
  HeptapodStandInProject,
  HeptapodStandInRequest,
} from './standIns/heptapod';
