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

import {
  AuthService,
  coreServices,
  createServiceFactory,
  ServiceFactory,
} from '@backstage/backend-plugin-api';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';

/**
 * `startTestBackend`'s mock auth service, except that a plugin's request
 * on behalf of a user carries the calling plugin as the actor, as Backstage's
 * real auth service's tokens do. The mock's own on-behalf-of tokens lose the
 * actor, so the real permission backend takes every catalog read a plugin
 * makes for a user as a direct user request and refuses its conditional
 * decisions ("Resource permissions require a resourceRef"). Add it to the
 * features of a test backend that runs `@backstage/plugin-permission-backend`.
 *
 * @public
 */
export function mockAuthWithActorsFactory(): ServiceFactory<
  AuthService,
  'plugin',
  'singleton'
> {
  return createServiceFactory({
    service: coreServices.auth,
    deps: {
      plugin: coreServices.pluginMetadata,
      config: coreServices.rootConfig,
    },
    factory({ plugin, config }) {
      const pluginId = plugin.getId();
      const inner = mockServices.auth({
        pluginId,
        disableDefaultAuthPolicy: Boolean(
          config.getOptionalBoolean(
            'backend.auth.dangerouslyDisableDefaultAuthPolicy',
          ),
        ),
      });
      return {
        authenticate: (token, options) => inner.authenticate(token, options),
        getNoneCredentials: () => inner.getNoneCredentials(),
        getOwnServiceCredentials: () => inner.getOwnServiceCredentials(),
        isPrincipal: ((credentials: any, type: any) =>
          inner.isPrincipal(credentials, type)) as AuthService['isPrincipal'],
        getLimitedUserToken: credentials =>
          inner.getLimitedUserToken(credentials),
        listPublicServiceKeys: () => inner.listPublicServiceKeys(),
        async getPluginRequestToken(options) {
          const { onBehalfOf } = options;
          if (inner.isPrincipal(onBehalfOf, 'user')) {
            return {
              token: mockCredentials.user.token(
                onBehalfOf.principal.userEntityRef,
                {
                  actor: { subject: `plugin:${pluginId}` },
                },
              ),
            };
          }
          return inner.getPluginRequestToken(options);
        },
      };
    },
  });
}
