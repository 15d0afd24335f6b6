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

import {
  HgCommand,
  HgCommandError,
  HgRunner,
  runHgCommand,
} from '@backstage-mercurial/integration-node';
import { InputError } from '@backstage/errors';

/**
 * The hg configuration that enables hg-evolve's topic extension (and the
 * obsolescence markers it needs to change the topic of changesets); given to
 * the commands only when a topic is asked for.
 */
export const TOPIC_CONFIG: Record<string, Record<string, string>> = {
  extensions: { topic: '' },
  experimental: { evolution: 'createmarkers' },
};

/** Refuses a topic name hg would refuse or misread, before anything runs. */
export function checkTopicName(name: string): void {
  const problems: Array<[boolean, string]> = [
    [name === '', 'it is empty'],
    [name.trim() !== name, 'it starts or ends with whitespace'],
    [
      /^\d+$/.test(name),
      'it is only digits (hg would read it as a revision number)',
    ],
    [name.includes(':'), "it contains ':'"],
    [/[\r\n\0]/.test(name), 'it contains a line break'],
  ];
  const problem = problems.find(([found]) => found)?.[1];
  if (problem) {
    throw new InputError(
      `Invalid topic name ${JSON.stringify(name)}: ${problem}`,
    );
  }
}

/** `hg topics --rev REVSET -- NAME`: sets the topic of the changesets. */
function setTopicCommand(revset: string, name: string): HgCommand<void> {
  return {
    args: ['topics', '--rev', revset, '--', name],
    parse: () => undefined,
  };
}

/** Whether hg could not load the topic extension. */
function topicExtensionMissing(e: unknown): boolean {
  return (
    e instanceof HgCommandError &&
    /failed to import extension "?topic|unknown command 'topics'/i.test(
      e.stderr,
    )
  );
}

/**
 * Sets `name` as the topic of the draft changesets among `nodes` (the
 * outgoing ones hg:push sends; those the server has already are left alone,
 * rewriting them would fork history), rewriting them; the working directory
 * follows the rewritten `.`.
 */
export async function setTopic(
  runner: HgRunner,
  options: {
    dir: string;
    name: string;
    nodes: string[];
    signal?: AbortSignal;
  },
): Promise<void> {
  const nodes = options.nodes.filter(n => /^[0-9a-f]{40}$/.test(n));
  if (nodes.length === 0) {
    return;
  }
  try {
    await runHgCommand(
      runner,
      setTopicCommand(`draft() and (${nodes.join(' + ')})`, options.name),
      {
        cwd: options.dir,
        config: TOPIC_CONFIG,
        signal: options.signal,
      },
    );
  } catch (e) {
    throw topicError(e);
  }
}

/** A clear error when hg cannot load the topic extension, else `e`. */
export function topicError(e: unknown): unknown {
  if (topicExtensionMissing(e)) {
    return new InputError(
      "Cannot push with a topic: hg could not load the topic extension (hgext3rd.topic) of hg-evolve; install it on the backend's machine (Debian: apt-get install mercurial-evolve, or pip install hg-evolve)",
      e,
    );
  }
  return e;
}
