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
      'Push the new commits back to where the workspace was cloned from',
    example: yaml.stringify({
      steps: [
        {
          id: 'push',
          action: 'hg:push',
          name: 'Push',
          input: {},
        },
      ],
    }),
  },
  {
    description:
      'Commit the pending changes on a new named branch with a bookmark and push only them (refused, with nothing pushed, if an earlier commit is on another branch)',
    example: yaml.stringify({
      steps: [
        {
          id: 'push',
          action: 'hg:push',
          name: 'Push',
          input: {
            path: './service',
            branch: 'feature/add-docs',
            bookmark: 'add-docs',
          },
        },
      ],
    }),
  },
  {
    description:
      "Push the new commits with an hg-evolve topic, as drafts for a Heptapod merge request (needs Debian's mercurial-evolve on the backend)",
    example: yaml.stringify({
      steps: [
        {
          id: 'push',
          action: 'hg:push',
          name: 'Push',
          input: {
            topic: 'add-docs',
          },
        },
      ],
    }),
  },
];
