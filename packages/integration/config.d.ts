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
      /**
       * The same repositories over ssh, for creating and pushing to them.
       */
      ssh?: {
        /**
         * The ssh URL repository paths are appended to, e.g.
         * `ssh://hg@hg.example.com//srv/hg`; with `singleRepository: true`,
         * the ssh URL of the repository itself.
         * @visibility backend
         */
        url: string;
        /**
         * The private key (OpenSSH or PEM text).
         * @visibility secret
         */
        privateKey: string;
        /**
         * known_hosts lines for the server. Host keys are always checked:
         * without this, the machine's known_hosts files are used.
         * @visibility backend
         */
        knownHosts?: string;
      };
      /**
       * Where this server's repositories live on disk, when the backend
       * shares that disk (the same host or a shared volume): repositories
       * can then be created there.
       * @visibility backend
       */
      localRoot?: string;
      /**
       * `true` when the server serves a single repository at `baseUrl`
       * itself, as `hg serve -R repo` or a single-repository `hgweb.cgi`
       * do: files are then at `{baseUrl}/file/{rev}/{path}` rather than
       * `{baseUrl}/{repo}/file/{rev}/{path}`. Default `false`: a server of
       * several repositories below `baseUrl` (`hg serve --web-conf`,
       * `hgwebdir`). With `true`, `ssh.url` is the repository's own ssh URL
       * and `localRoot` cannot be set.
       * @visibility frontend
       */
      singleRepository?: boolean;
    }>;
  };
}
