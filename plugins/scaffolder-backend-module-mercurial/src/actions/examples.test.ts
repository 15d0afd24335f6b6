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
import { ConfigReader } from '@backstage/config';
import { TemplateAction } from '@backstage/plugin-scaffolder-node';
import { validate } from 'jsonschema';
import yaml from 'yaml';
import { createHgCloneAction } from './clone';
import { createHgCommitAction } from './commit';
import { createHeptapodMergeRequestAction } from './mergeRequest';
import { createPublishMercurialAction } from './publish';
import { createHgPushAction } from './push';

const config = new ConfigReader({
  integrations: { mercurial: [{ host: 'hg.example.com' }] },
});
const options = {
  integrations: MercurialIntegrations.fromConfig(config),
  config,
};
const actions: TemplateAction<any, any, any>[] = [
  createPublishMercurialAction(options),
  createHgCloneAction(options),
  createHgCommitAction(options),
  createHgPushAction(options),
  createHeptapodMergeRequestAction(options),
];

describe.each(actions.map(a => [a.id, a] as const))('%s', (id, action) => {
  it('has examples, a described input and output schema, and supports dry run', () => {
    expect(action.examples?.length).toBeGreaterThanOrEqual(2);
    expect(action.supportsDryRun).toBe(true);
    const input = action.schema?.input as any;
    const output = action.schema?.output as any;
    for (const schema of [input, output]) {
      expect(Object.keys(schema.properties).length).toBeGreaterThan(0);
      for (const [key, property] of Object.entries<any>(schema.properties)) {
        expect([key, property.description]).toEqual([key, expect.any(String)]);
      }
    }
  });

  it.each(action.examples!.map(e => [e.description, e.example]))(
    'example "%s" is a valid step of this action',
    (_description, example) => {
      const steps = yaml.parse(example).steps;
      expect(steps).toHaveLength(1);
      expect(steps[0].action).toBe(id);
      const result = validate(steps[0].input, action.schema!.input as any);
      expect(result.errors.map(e => e.stack)).toEqual([]);
    },
  );

  it('rejects an input with an unknown type', () => {
    const result = validate(
      { repoUrl: 42, message: 42, path: 42 },
      action.schema!.input as any,
    );
    expect(result.valid).toBe(false);
  });
});
