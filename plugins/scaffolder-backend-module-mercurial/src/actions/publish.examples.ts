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
      'Create a repository from the RepoUrlPicker value and push the workspace to it',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'publish:hg',
          name: 'Publish to Mercurial',
          input: {
            repoUrl: 'hg.example.com?repo=team/service',
          },
        },
      ],
    }),
  },
  {
    description:
      'Publish a sub-directory on a named branch with a bookmark and an author',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'publish:hg',
          name: 'Publish to Mercurial',
          input: {
            repoUrl: 'hg.example.com?owner=team&repo=service',
            sourcePath: './service',
            defaultBranch: 'stable',
            bookmark: 'main',
            commitMessage: 'Create service from template',
            authorName: 'Platform Team',
            authorEmail: 'platform@example.com',
          },
        },
      ],
    }),
  },
  {
    description:
      'Publish a repository whose catalog file is not at the root; register ${{ steps.publish.output.catalogInfoUrl }} with catalog:register',
    example: yaml.stringify({
      steps: [
        {
          id: 'publish',
          action: 'publish:hg',
          name: 'Publish to Mercurial',
          input: {
            repoUrl: 'hg.example.com?owner=team&repo=monorepo',
            catalogInfoPath: '/services/api/catalog-info.yaml',
          },
        },
      ],
    }),
  },
];
