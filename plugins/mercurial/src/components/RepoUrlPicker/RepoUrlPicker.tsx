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

import { useEffect, useMemo, useState } from 'react';
import { WarningPanel } from '@backstage/core-components';
import { configApiRef, useApi } from '@backstage/core-plugin-api';
import type { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import { MercurialRepositoryExistsResponse } from '@backstage-mercurial/plugin-mercurial-common';
import FormControl from '@material-ui/core/FormControl';
import FormHelperText from '@material-ui/core/FormHelperText';
import MenuItem from '@material-ui/core/MenuItem';
import TextField from '@material-ui/core/TextField';
import Typography from '@material-ui/core/Typography';
import useDebounce from 'react-use/esm/useDebounce';
import { mercurialApiRef } from '../../api';
import { errorMessage } from '../common/state';
import { formatMercurialRepoUrl } from '@backstage-mercurial/integration';
import {
  MercurialRepoUrlPickerUiOptions,
  parseRepoUrlValue,
  pickerHosts,
  repoUrlProblems,
} from './value';

/** How long the picker waits after the last keystroke before asking the server. */
export const EXISTS_CHECK_DELAY_MS = 500;

type Check =
  | { status: 'idle' }
  | { status: 'done'; value: MercurialRepositoryExistsResponse }
  | { status: 'error'; error: unknown };

/**
 * The repository picker of software templates for Mercurial servers: a host
 * of `integrations.mercurial` (narrowed by `ui:options.allowedHosts`), an
 * owner (free text, or one of `ui:options.allowedOwners`) and a repository
 * name; the value is `host?owner=...&repo=...`, the form `publish:hg`
 * takes. Once the value is complete it asks the backend whether the
 * repository exists and warns before the run when `publish:hg` would refuse
 * it.
 *
 * @public
 */
export function MercurialRepoUrlPicker(
  props: FieldExtensionComponentProps<string, MercurialRepoUrlPickerUiOptions>,
) {
  const {
    onChange,
    uiSchema,
    rawErrors,
    formData,
    required,
    schema,
    idSchema,
  } = props;
  const options = uiSchema?.['ui:options'] ?? {};
  const config = useApi(configApiRef);
  const api = useApi(mercurialApiRef);
  const allowedHostsKey = (options.allowedHosts ?? []).join(',');
  const hosts = useMemo(
    () => pickerHosts(config, options.allowedHosts),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [config, allowedHostsKey],
  );
  const initial = formData ? parseRepoUrlValue(formData) : undefined;
  const [host, setHost] = useState(initial?.host ?? hosts[0]?.host ?? '');
  const [owner, setOwner] = useState(
    initial?.owner ??
      (options.allowedOwners?.length === 1 ? options.allowedOwners[0] : ''),
  );
  const [repo, setRepo] = useState(initial?.repo ?? '');
  const [check, setCheck] = useState<Check>({ status: 'idle' });

  const single = hosts.find(h => h.host === host)?.singleRepository ?? false;
  const value = host
    ? formatMercurialRepoUrl(
        single ? { host, repo: '' } : { host, owner: owner || undefined, repo },
      )
    : '';
  const complete =
    !!value && repoUrlProblems(value, hosts, options).length === 0;

  useEffect(() => {
    if (value !== (formData ?? '')) {
      onChange(value);
    }
  }, [value, formData, onChange]);

  useEffect(() => setCheck({ status: 'idle' }), [value]);
  useDebounce(
    () => {
      if (!complete) {
        return;
      }
      let current = true;
      api.checkRepository(value).then(
        result => current && setCheck({ status: 'done', value: result }),
        error => current && setCheck({ status: 'error', error }),
      );
      // eslint-disable-next-line consistent-return
      return () => {
        current = false;
      };
    },
    EXISTS_CHECK_DELAY_MS,
    [api, value, complete],
  );

  const id = idSchema?.$id ?? 'mercurial-repo-url';
  const error = !!rawErrors?.length;
  return (
    <FormControl margin="normal" required={required} error={error} fullWidth>
      {schema?.title && (
        <Typography variant="subtitle1">{schema.title}</Typography>
      )}
      {schema?.description && (
        <Typography variant="body2" color="textSecondary">
          {schema.description}
        </Typography>
      )}
      {!hosts.length && (
        <WarningPanel
          severity="error"
          title="No Mercurial host to choose from"
          message="Add the server to integrations.mercurial in app-config (host is visible to the frontend), or check ui:options.allowedHosts."
        />
      )}
      {hosts.length > 0 && (
        <TextField
          id={`${id}-host`}
          label="Host"
          select
          value={host}
          onChange={e => setHost(e.target.value)}
          margin="dense"
          required
        >
          {hosts.map(h => (
            <MenuItem key={h.host} value={h.host}>
              {h.host}
            </MenuItem>
          ))}
        </TextField>
      )}
      {!single && options.allowedOwners?.length ? (
        <TextField
          id={`${id}-owner`}
          label="Owner"
          select
          value={owner}
          onChange={e => setOwner(e.target.value)}
          margin="dense"
          required
        >
          {options.allowedOwners.map(o => (
            <MenuItem key={o} value={o}>
              {o}
            </MenuItem>
          ))}
        </TextField>
      ) : null}
      {!single && !options.allowedOwners?.length && (
        <TextField
          id={`${id}-owner`}
          label="Owner"
          helperText="The first part of the repository path, e.g. a team (optional)"
          value={owner}
          onChange={e => setOwner(e.target.value.trim())}
          margin="dense"
        />
      )}
      {!single && (
        <TextField
          id={`${id}-repo`}
          label="Repository"
          helperText="The repository's name, e.g. payments-api"
          value={repo}
          onChange={e => setRepo(e.target.value.trim())}
          margin="dense"
          required
        />
      )}
      {single && (
        <FormHelperText>
          {host} serves a single repository: it is the one published to.
        </FormHelperText>
      )}
      {check.status === 'done' && check.value.exists && (
        <WarningPanel
          severity={check.value.hasChangesets ? 'warning' : 'info'}
          title={
            check.value.hasChangesets
              ? `${check.value.repositoryUrl} already exists and has changesets: publish:hg will refuse it`
              : `${check.value.repositoryUrl} exists, empty: will be used`
          }
        />
      )}
      {check.status === 'error' && (
        <WarningPanel
          severity="warning"
          defaultExpanded
          title="Could not check whether the repository exists"
          message={errorMessage(check.error)}
        />
      )}
    </FormControl>
  );
}
