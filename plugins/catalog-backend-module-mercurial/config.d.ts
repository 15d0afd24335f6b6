import { SchedulerServiceTaskScheduleDefinitionConfig } from '@backstage/backend-plugin-api';

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
          /** When to run. */
          schedule: SchedulerServiceTaskScheduleDefinitionConfig;
        };
      };
    };
  };
}
