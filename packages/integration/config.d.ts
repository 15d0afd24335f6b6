export interface Config {
  integrations?: {
    /**
     * Mercurial (hgweb, Heptapod, RhodeCode, Kallithea) servers that Backstage
     * reads from and publishes to.
     */
    mercurial?: Array<{
      /**
       * The host of the server, with its port when it is not the default one,
       * exactly as it appears in URLs (e.g. `hg.example.com` or
       * `hg.example.com:8000`).
       * @visibility frontend
       */
      host: string;
      /**
       * The URL under which the repositories are served, e.g.
       * `https://hg.example.com/hg`. Repository paths are appended to it.
       * Defaults to `https://<host>`.
       * @visibility frontend
       */
      baseUrl?: string;
      /**
       * The user name for HTTP Basic authentication (and for pushing over
       * HTTP).
       * @visibility backend
       */
      username?: string;
      /**
       * The password for `username`.
       * @visibility secret
       */
      password?: string;
      /**
       * A bearer token sent with the HTTP requests Backstage makes to the
       * server. Cannot be combined with `password`.
       * @visibility secret
       */
      token?: string;
    }>;
  };
}
