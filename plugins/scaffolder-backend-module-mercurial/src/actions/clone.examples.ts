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
    description: 'Clone the head of the default branch into the workspace',
    example: yaml.stringify({
      steps: [
        {
          id: 'clone',
          action: 'hg:clone',
          name: 'Clone',
          input: { repoUrl: 'hg.example.com?repo=team/service' },
        },
      ],
    }),
  },
  {
    description:
      'Clone a tag of a repository, given by its hgweb URL, into a sub-directory',
    example: yaml.stringify({
      steps: [
        {
          id: 'clone',
          action: 'hg:clone',
          name: 'Clone',
          input: {
            repoUrl: 'https://hg.example.com/hg/team/service',
            revision: 'v1.2.0',
            targetPath: './service',
          },
        },
      ],
    }),
  },
];
