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

import { configApiRef } from '@backstage/core-plugin-api';
import type { CustomFieldValidator } from '@backstage/plugin-scaffolder-react';
import {
  MercurialRepoUrlPickerUiOptions,
  pickerHosts,
  repoUrlProblems,
} from './value';

/**
 * The validation of `MercurialRepoUrlPicker`: the host is an allowed
 * `integrations.mercurial` host, the owner an allowed owner, and the
 * repository path one `publish:hg` accepts (`validateMercurialRepositoryPath`).
 *
 * @public
 */
export const mercurialRepoUrlPickerValidation: CustomFieldValidator<
  string,
  MercurialRepoUrlPickerUiOptions
> = (value, validation, context) => {
  const config = context.apiHolder.get(configApiRef);
  const options = context.uiSchema?.['ui:options'] ?? {};
  const hosts = config ? pickerHosts(config, options.allowedHosts) : [];
  for (const problem of repoUrlProblems(value, hosts, options)) {
    validation.addError(problem);
  }
};
