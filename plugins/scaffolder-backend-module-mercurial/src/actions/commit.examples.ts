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

import { TemplateExample } from '@backstage/plugin-scaffolder-node';
import yaml from 'yaml';

export const examples: TemplateExample[] = [
  {
    description:
      'Commit every change (new and removed files too) in the workspace',
    example: yaml.stringify({
      steps: [
        {
          id: 'commit',
          action: 'hg:commit',
          name: 'Commit',
          input: { message: 'Add catalog-info.yaml' },
        },
      ],
    }),
  },
  {
    description:
      'Commit only tracked files of a sub-directory clone, with an author',
    example: yaml.stringify({
      steps: [
        {
          id: 'commit',
          action: 'hg:commit',
          name: 'Commit',
          input: {
            path: './service',
            message: 'Update dependencies',
            authorName: 'Platform Team',
            authorEmail: 'platform@example.com',
            addRemove: false,
          },
        },
      ],
    }),
  },
  {
    description:
      "Commit on a new named branch; a later hg:push with the same 'branch' sends only this branch, and the server keeps its other branches as they were",
    example: yaml.stringify({
      steps: [
        {
          id: 'commit',
          action: 'hg:commit',
          name: 'Commit',
          input: {
            message: 'Add TechDocs',
            branch: 'feature/add-docs',
          },
        },
      ],
    }),
  },
];
