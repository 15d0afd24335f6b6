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
import { Entity } from '@backstage/catalog-model';
import { ConfigReader } from '@backstage/config';
import { MercurialTemplateUrlProcessor } from './MercurialTemplateUrlProcessor';

const HG = 'https://hg.example.com/hg';
const REPO = `${HG}/platform/templates`;
const processor = new MercurialTemplateUrlProcessor(
  MercurialIntegrations.fromConfig(
    new ConfigReader({
      integrations: {
        mercurial: [{ host: 'hg.example.com', baseUrl: HG }],
      },
    }),
  ),
);

function template(
  steps: Array<Record<string, any>>,
  annotations: Record<string, string> = {},
  kind = 'Template',
): Entity {
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind,
    metadata: { name: 't', annotations },
    spec: { type: 'service', steps },
  };
}

const fetchStep = (url: string, action = 'fetch:template') => ({
  id: 'fetch',
  action,
  input: { url, values: { name: 'x' } },
});

async function resolved(
  url: string,
  target = `${REPO}/file/default/service/template.yaml`,
  action = 'fetch:template',
) {
  const entity = await processor.preProcessEntity(
    template([fetchStep(url, action)]),
    { type: 'url', target },
  );
  return (entity.spec!.steps as any)[0].input.url;
}

describe('MercurialTemplateUrlProcessor', () => {
  it.each([
    ['./skeleton', `${REPO}/file/default/service/skeleton`],
    ['skeleton', `${REPO}/file/default/service/skeleton`],
    ['./skeleton/', `${REPO}/file/default/service/skeleton/`],
    ['.', `${REPO}/file/default/service/`],
    ['./', `${REPO}/file/default/service/`],
    ['./files/NOTES.md', `${REPO}/file/default/service/files/NOTES.md`],
    ['../shared/skeleton', `${REPO}/file/default/shared/skeleton`],
    ['/shared/skeleton', `${REPO}/file/default/shared/skeleton`],
    ['./my skeleton', `${REPO}/file/default/service/my%20skeleton`],
    [
      './skeletons/${{ parameters.language }}',
      `${REPO}/file/default/service/skeletons/\${{ parameters.language }}`,
    ],
    [
      './${{ parameters.a | lower }}/x/${{parameters.b}}.md',
      `${REPO}/file/default/service/\${{ parameters.a | lower }}/x/\${{parameters.b}}.md`,
    ],
  ])('resolves %j against the template location', async (url, expected) => {
    expect(await resolved(url)).toBe(expected);
  });

  it.each([
    ['an absolute URL of another host', 'https://github.com/o/r/tree/main/s'],
    ['an absolute hg URL', `${REPO}/file/tip/elsewhere/`],
    ['a URL that starts with an expression', '${{ parameters.skeletonUrl }}'],
    ['a URL that leads out of the repository', '../../skeleton'],
    ['a Nunjucks block', './{% if x %}a{% endif %}'],
  ])('leaves %s as it is', async (_, url) => {
    expect(await resolved(url)).toBe(url);
  });

  it.each(['fetch:plain', 'fetch:plain:file', 'fetch:template:file'])(
    'resolves the url of %s',
    async action => {
      expect(
        await resolved(
          './x',
          `${REPO}/file/default/service/template.yaml`,
          action,
        ),
      ).toBe(`${REPO}/file/default/service/x`);
    },
  );

  it.each([
    [
      'a raw-file location gives browse URLs (readTree reads those)',
      `${REPO}/raw-file/tip/service/template.yaml`,
      `${REPO}/file/tip/service/skeleton`,
    ],
    [
      'a revision with a slash stays encoded',
      `${REPO}/file/feature%252Fx/service/template.yaml`,
      `${REPO}/file/feature%252Fx/service/skeleton`,
    ],
    [
      'a template at the repository root',
      `${REPO}/file/v1.0/template.yaml`,
      `${REPO}/file/v1.0/skeleton`,
    ],
  ])('%s', async (_, target, expected) => {
    expect(await resolved('./skeleton', target)).toBe(expected);
  });

  it('resolves against a source-location written in the template, as the scaffolder does', async () => {
    const entity = await processor.preProcessEntity(
      template([fetchStep('./skeleton')], {
        'backstage.io/source-location': `url:${HG}/other/repo/file/stable/base/`,
      }),
      { type: 'url', target: 'https://github.com/o/r/blob/main/template.yaml' },
    );
    expect((entity.spec!.steps as any)[0].input.url).toBe(
      `${HG}/other/repo/file/stable/base/skeleton`,
    );
  });

  it.each<[string, Entity, { type: string; target: string }]>([
    [
      'a template read from another host',
      template([fetchStep('./skeleton')]),
      { type: 'url', target: 'https://github.com/o/r/blob/main/t.yaml' },
    ],
    [
      'a template read from a file location',
      template([fetchStep('./skeleton')]),
      { type: 'file', target: '/templates/t.yaml' },
    ],
    [
      'a template from hg whose source-location is on another host',
      template([fetchStep('./skeleton')], {
        'backstage.io/source-location': 'url:https://github.com/o/r/tree/main/',
      }),
      { type: 'url', target: `${REPO}/file/default/t.yaml` },
    ],
    [
      'a template at an hgweb page that is no file',
      template([fetchStep('./skeleton')]),
      { type: 'url', target: `${REPO}/rev/tip` },
    ],
    [
      'an entity of another kind',
      template([fetchStep('./skeleton')], {}, 'Component'),
      { type: 'url', target: `${REPO}/file/default/t.yaml` },
    ],
    [
      'steps that are not fetch:* or have no url',
      template([
        { id: 'a', action: 'debug:log', input: { url: './x' } },
        { id: 'b', action: 'fetch:template', input: { values: {} } },
        { id: 'c', action: 'fetch:plain' },
      ]),
      { type: 'url', target: `${REPO}/file/default/t.yaml` },
    ],
  ])('leaves %s untouched', async (_, entity, location) => {
    expect(await processor.preProcessEntity(entity, location)).toBe(entity);
  });
});
