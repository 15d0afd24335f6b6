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
import { Config } from '@backstage/config';
import {
  getMercurialConfigCredentials,
  MercurialCredentials,
  MercurialIntegration,
  MercurialIntegrations,
} from '@backstage-mercurial/integration';
import { MercurialCredentialsError } from '../errors';
import { runCredentialCommand } from './credentialCommand';
import { describeIntegration } from './describe';
import { requestClientCredentialsToken } from './oauth2';
import { RenewingCredential } from './RenewingCredential';
import { TokenFileCredential } from './TokenFileCredential';
import {
  MercurialCredentialsRequest,
  MercurialCredentialsService,
} from './types';

/**
 * How long credentials without an expiry are reused: those a
 * `credentialCommand` prints without `expiresAt`, and tokens an OAuth 2.0
 * token endpoint issues without `expires_in`. After that the command (or the
 * token endpoint) is asked again.
 *
 * @public
 */
export const DEFAULT_CREDENTIAL_LIFETIME_MS = 60_000;

/**
 * Options of {@link DefaultMercurialCredentialsService}.
 *
 * @public
 */
export interface DefaultMercurialCredentialsServiceOptions {
  /** Where to log (at debug level) when a credential is minted; never a secret. */
  logger?: LoggerService;
  /**
   * How long credentials without an expiry are reused; default
   * {@link DEFAULT_CREDENTIAL_LIFETIME_MS}.
   */
  defaultLifetimeMs?: number;
}

interface Source {
  get(
    request: Required<
      Omit<MercurialCredentialsRequest, 'refused' | 'onBehalfOf'>
    > &
      Pick<MercurialCredentialsRequest, 'refused' | 'onBehalfOf'>,
  ): Promise<MercurialCredentials>;
  /** Whether it can mint credentials for a person (`onBehalfOf`). */
  perPerson?: boolean;
}

/** Per-person credentials are dropped this long after they were last asked for. */
const IDLE_PERSON_MS = 10 * 60_000;

/**
 * The default {@link MercurialCredentialsService}: the credentials of each
 * `integrations.mercurial` entry, from its static `username` and
 * `password`/`token`, its `tokenFile`, its `credentialCommand` or its
 * `oauth2` client credentials.
 *
 * - `tokenFile`: the token in the file, read again whenever the file changes.
 * - `credentialCommand` and `oauth2`: minted when first needed, reused until
 *   shortly before they expire (by the smaller of 60 s and a tenth of their
 *   lifetime), or for {@link DEFAULT_CREDENTIAL_LIFETIME_MS} when they carry
 *   no expiry. One mint per integration (and, for a command, per purpose) is
 *   in flight at a time, however many requests wait for it.
 * - `refresh: true` (a server refused the last credentials) mints new ones
 *   (re-reads the token file); concurrent refreshes share one mint.
 *
 * A URL under no configured `baseUrl` gets `undefined`. A source that fails
 * throws a {@link MercurialCredentialsError}: the request is not sent
 * without the credentials it should carry.
 *
 * @public
 */
export class DefaultMercurialCredentialsService implements MercurialCredentialsService {
  /**
   * Reads `integrations.mercurial` from the config.
   */
  static fromConfig(
    config: Config,
    options: DefaultMercurialCredentialsServiceOptions = {},
  ): DefaultMercurialCredentialsService {
    return new DefaultMercurialCredentialsService(
      MercurialIntegrations.fromConfig(config),
      options,
    );
  }

  private readonly sources = new Map<
    MercurialIntegration,
    Source | undefined
  >();
  private readonly logger?: LoggerService;
  private readonly defaultLifetimeMs: number;

  constructor(
    private readonly integrations: MercurialIntegrations,
    options: DefaultMercurialCredentialsServiceOptions = {},
  ) {
    this.logger = options.logger;
    this.defaultLifetimeMs =
      options.defaultLifetimeMs ?? DEFAULT_CREDENTIAL_LIFETIME_MS;
  }

  async getCredentials(
    request: MercurialCredentialsRequest,
  ): Promise<MercurialCredentials | undefined> {
    const integration = this.integrations.byUrl(request.url);
    if (!integration) {
      return undefined;
    }
    if (!this.sources.has(integration)) {
      this.sources.set(integration, this.createSource(integration));
    }
    const source = this.sources.get(integration);
    const { onBehalfOf } = request;
    if (onBehalfOf && !source?.perPerson) {
      // Fail closed: never the entry's own credentials for a person.
      throw new MercurialCredentialsError(
        `Cannot get credentials for ${onBehalfOf.userEntityRef} on ${describeIntegration(integration.config)}: only a credentialCommand (which gets "onBehalfOf" on its stdin) can mint credentials per person; configure one, or a credentials service that reads onBehalfOf`,
      );
    }
    if (!source) {
      return getMercurialConfigCredentials(integration.config);
    }
    return source.get({
      url: request.url,
      purpose: request.purpose ?? 'read',
      refresh: request.refresh ?? false,
      refused: request.refused,
      minValidityMs: request.minValidityMs ?? 0,
      ...(onBehalfOf && { onBehalfOf }),
    });
  }

  private createSource(integration: MercurialIntegration): Source | undefined {
    const { config } = integration;
    const source = config.credentialSource;
    const logger = this.logger;
    const defaultLifetimeMs = this.defaultLifetimeMs;
    const minted = (how: string, credentials: MercurialCredentials) =>
      logger?.debug(
        `Got new credentials for ${describeIntegration(config)} from ${how}${
          credentials.expiresAt
            ? `, valid until ${credentials.expiresAt.toISOString()}`
            : ''
        }`,
      );

    if (!source) {
      return undefined;
    }
    if (source.type === 'tokenFile') {
      const file = new TokenFileCredential(config, source.path);
      return { get: ({ refresh }) => file.get({ refresh }) };
    }
    if (source.type === 'oauth2') {
      const token = new RenewingCredential();
      const mint = async () => {
        const result = await requestClientCredentialsToken(config, source, {
          defaultLifetimeMs,
        });
        minted(
          `its OAuth 2.0 token endpoint ${source.tokenUrl}`,
          result.credentials,
        );
        return result;
      };
      return {
        get: ({ refresh, refused, minValidityMs }) =>
          token.get({ refresh, refused, minValidityMs }, mint),
      };
    }
    // A command may give different credentials for reading and writing,
    // and gives each person their own.
    const credentials = new Map<
      string,
      { credential: RenewingCredential; lastUsed: number }
    >();
    const sweep = (now: number) => {
      for (const [key, entry] of credentials) {
        if (now - entry.lastUsed > IDLE_PERSON_MS) {
          credentials.delete(key);
        }
      }
    };
    let nextSweep = Date.now() + IDLE_PERSON_MS;
    return {
      perPerson: true,
      get: ({ url, purpose, refresh, refused, minValidityMs, onBehalfOf }) => {
        const now = Date.now();
        if (now >= nextSweep) {
          sweep(now);
          nextSweep = now + IDLE_PERSON_MS;
        }
        const key = `${purpose}\n${onBehalfOf?.userEntityRef ?? ''}`;
        let entry = credentials.get(key);
        if (!entry) {
          entry = { credential: new RenewingCredential(), lastUsed: now };
          credentials.set(key, entry);
        }
        entry.lastUsed = now;
        return entry.credential.get(
          { refresh, refused, minValidityMs },
          async () => {
            const result = await runCredentialCommand(
              config,
              source,
              {
                host: config.host,
                url,
                purpose,
                ...(onBehalfOf && {
                  onBehalfOf: onBehalfOf.userEntityRef,
                  ownershipEntityRefs: onBehalfOf.ownershipEntityRefs,
                }),
              },
              { defaultLifetimeMs },
            );
            minted(
              `its credentialCommand '${source.command[0]}'${
                onBehalfOf ? ` for ${onBehalfOf.userEntityRef}` : ''
              }`,
              result.credentials,
            );
            return result;
          },
        );
      },
    };
  }
}
