import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';
import { HumanDuration } from '@backstage/types';

export interface Config {
  catalog?: {
    providers?: {
      /**
       * Discovery of catalog files in the repositories of Mercurial servers,
       * by provider id.
       */
      mercurial?: {
        [id: string]: {
          /** The host of an `integrations.mercurial` entry. */
          host: string;
          /** A path or a glob in each repository; default `catalog-info.yaml`. */
          catalogPath?: string;
          /** The branch, bookmark or tag to read; default `default`. */
          revision?: string;
          /** A regular expression that repository paths must match. */
          repositories?: string;
          /**
           * Only the repositories below this group: a Heptapod group (with
           * its subgroups), a Kallithea repository group, or a directory
           * of an hgweb index, e.g. `platform/services`.
           */
          group?: string;
          /**
           * How many repositories a run reads at once; default 8 (the host's
           * `maxConcurrentRequests` limits the requests too).
           */
          concurrency?: number;
          /**
           * How often a run reads every repository, changed or not (other runs
           * read only the new and changed ones); default a day. A duration
           * such as `{ days: 1 }` or an ISO 8601 duration (`P1D`).
           */
          fullRunInterval?: HumanDuration | string;
          /** When to run. */
          schedule: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
}
