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

import { ReactNode } from 'react';
import { Entity, getCompoundEntityRef } from '@backstage/catalog-model';
import { Progress, WarningPanel } from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import { useEntity } from '@backstage/plugin-catalog-react';
import useAsync from 'react-use/esm/useAsync';
import { MercurialApi, mercurialApiRef } from '../../api';
import { isMercurialAvailable } from '../../isMercurialAvailable';

/** The message shown for an entity that is not in a Mercurial repository. */
export const NOT_IN_MERCURIAL = 'This entity is not in a Mercurial repository';

/**
 * What the backend said: the message of the route's error body (e.g.
 * `Permission mercurial.history.read was denied for user:default/guest`),
 * else the error's own message. Never a stack.
 */
export function errorMessage(error: unknown): string {
  if (ResponseError.is(error)) {
    return error.body?.error?.message || error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** Whether the error is the backend's 404. */
export function isNotFound(error: unknown): boolean {
  return ResponseError.is(error) && error.statusCode === 404;
}

/** The state of one read of the entity's history. */
export type MercurialRead<T> =
  | { status: 'unavailable' }
  | { status: 'loading' }
  | { status: 'error'; error: unknown }
  | { status: 'done'; value: T };

/**
 * Reads from the Mercurial API for the entity in context, unless the entity
 * is not in a Mercurial repository (then the API is not called).
 */
export function useMercurialRead<T>(
  read: (api: MercurialApi, entity: Entity) => Promise<T>,
  deps: unknown[] = [],
): MercurialRead<T> {
  const { entity } = useEntity();
  const config = useApi(configApiRef);
  const api = useApi(mercurialApiRef);
  const available = isMercurialAvailable(entity, config);
  const state = useAsync(
    async () => (available ? read(api, entity) : undefined),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [api, available, entity, ...deps],
  );
  if (!available) {
    return { status: 'unavailable' };
  }
  if (state.loading) {
    return { status: 'loading' };
  }
  if (state.error) {
    return { status: 'error', error: state.error };
  }
  return { status: 'done', value: state.value as T };
}

/** The entity ref the routes take. */
export const refOf = getCompoundEntityRef;

/**
 * Renders what is not data: the loading bar, the not-in-Mercurial notice and
 * errors (the route's message, no stack).
 */
export function ReadState(props: {
  state: MercurialRead<unknown>;
  title: string;
}): JSX.Element | null {
  const { state, title } = props;
  if (state.status === 'loading') {
    return <Progress />;
  }
  if (state.status === 'unavailable') {
    return <WarningPanel severity="info" title={NOT_IN_MERCURIAL} />;
  }
  if (state.status === 'error') {
    return (
      <WarningPanel
        severity="error"
        defaultExpanded
        title={`Could not load the ${title}`}
        message={errorMessage(state.error)}
      />
    );
  }
  return null;
}

/** The empty state of a card: a line of text. */
export function Empty(props: { children: ReactNode }) {
  return <p>{props.children}</p>;
}
