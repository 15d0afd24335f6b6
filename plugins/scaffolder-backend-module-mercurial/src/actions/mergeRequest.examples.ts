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
      "Open a merge request from a topic pushed by hg:push's topic input, into the default branch",
    example: yaml.stringify({
      steps: [
        {
          id: 'merge-request',
          action: 'heptapod:merge-request',
          name: 'Open a merge request',
          input: {
            repoUrl: 'heptapod.example.com?repo=team/service',
            topic: 'add-docs',
            title: 'Add the docs',
            description: 'Made by the Backstage template.',
          },
        },
      ],
    }),
  },
  {
    description: 'Open a merge request from a named branch into another branch',
    example: yaml.stringify({
      steps: [
        {
          id: 'merge-request',
          action: 'heptapod:merge-request',
          name: 'Open a merge request',
          input: {
            repoUrl: 'heptapod.example.com?repo=team/service',
            sourceBranch: 'branch/feature',
            targetBranch: 'branch/stable',
            title: 'Merge the feature into stable',
          },
        },
      ],
    }),
  },
];
