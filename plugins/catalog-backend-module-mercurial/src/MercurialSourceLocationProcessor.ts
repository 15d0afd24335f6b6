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

import { MercurialIntegrations } from '@backstage-mercurial/integration';
import {
  ANNOTATION_EDIT_URL,
  ANNOTATION_SOURCE_LOCATION,
  Entity,
} from '@backstage/catalog-model';
import { Config } from '@backstage/config';
import { LocationSpec } from '@backstage/plugin-catalog-common';
import { CatalogProcessor } from '@backstage/plugin-catalog-node';
import {
  getMercurialFileEditUrl,
  getMercurialSourceDirectoryUrl,
} from './urls';

/**
 * Gives entities read from a Mercurial location what Backstage gives those
 * of a GitHub one: `backstage.io/source-location`
 * (`url:{baseUrl}/{repo}/file/{rev}/{dir}/`, with the revision of the
 * location URL), so that `backstage.io/techdocs-ref: dir:.` and source links
 * work; and, where the server has a web editor (Heptapod:
 * `/-/edit/{ref}/{path}`), `backstage.io/edit-url`. hgweb and Kallithea have
 * none, so no edit URL is set for them. Values written in the entity file
 * win.
 *
 * @public
 */
export class MercurialSourceLocationProcessor implements CatalogProcessor {
  static fromConfig(config: Config): MercurialSourceLocationProcessor {
    return new MercurialSourceLocationProcessor(
      MercurialIntegrations.fromConfig(config),
    );
  }

  constructor(private readonly integrations: MercurialIntegrations) {}

  getProcessorName(): string {
    return 'MercurialSourceLocationProcessor';
  }

  async preProcessEntity(
    entity: Entity,
    location: LocationSpec,
  ): Promise<Entity> {
    if (location.type !== 'url') {
      return entity;
    }
    const integration = this.integrations.byUrl(location.target);
    if (!integration) {
      return entity;
    }
    const annotations = entity.metadata.annotations ?? {};
    const added: Record<string, string> = {};
    if (!annotations[ANNOTATION_SOURCE_LOCATION]) {
      const sourceLocation = getMercurialSourceDirectoryUrl(
        integration,
        location.target,
      );
      if (sourceLocation) {
        added[ANNOTATION_SOURCE_LOCATION] = `url:${sourceLocation}`;
      }
    }
    if (!annotations[ANNOTATION_EDIT_URL]) {
      const editUrl = getMercurialFileEditUrl(integration, location.target);
      if (editUrl) {
        added[ANNOTATION_EDIT_URL] = editUrl;
      }
    }
    if (Object.keys(added).length === 0) {
      return entity; // not one of the server's file URLs: nothing to say
    }
    return {
      ...entity,
      metadata: {
        ...entity.metadata,
        annotations: { ...annotations, ...added },
      },
    };
  }
}
