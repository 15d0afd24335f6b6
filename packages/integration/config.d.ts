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
       * What serves the repositories: `hgweb` (hgweb, `hg serve`, the
       * default), `heptapod` (Heptapod, GitLab for Mercurial: its web URLs
       * and its REST API v4) or `kallithea` (Kallithea: its web routes and
       * its JSON-RPC API).
       * @visibility frontend
       */
      flavor?: 'hgweb' | 'heptapod' | 'kallithea';
      /**
       * The API of a `heptapod` or `kallithea` server, without a trailing
       * slash. Defaults to `{baseUrl}/api/v4` (Heptapod) and
       * `{baseUrl}/_admin/api` (Kallithea). Not used by `hgweb`.
       * @visibility backend
       */
      apiBaseUrl?: string;
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
       * server: for `heptapod` a personal, project or group access token,
       * for `kallithea` the API key. Cannot be combined with `password`,
       * except on `kallithea`, whose hg over HTTP takes only a user name and
       * password (never the API key): there `username` and `password` are
       * what hg commands send, the token what API calls send.
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
      /**
       * A file holding the token to use (a Kubernetes projected
       * service-account token, a Vault agent's sink file): an absolute
       * path. The file is read again whenever it changes (mtime, size or
       * inode), so a rotated token is used at once. The token goes as
       * `Authorization: Bearer` on HTTP requests and as the password of
       * `username` (default `token`) for hg commands. Cannot be combined
       * with `password`, `token`, `credentialCommand` or `oauth2`.
       * @visibility backend
       */
      tokenFile?: string;
      /**
       * Whose credentials requests made for a signed-in person use.
       * `caller`: that person's, from the credentialCommand (which gets
       * `"onBehalfOf"`) or a credentials service of your own, so the hg
       * server's access rules decide what each person sees (history and
       * README routes; scaffolder pushes use the task's initiator). The
       * catalog, TechDocs and discovery always read as the service.
       * Default `service`. `caller` cannot be combined with a static
       * `password` or `token`, a `tokenFile` or `oauth2`.
       * @visibility backend
       */
      readAs?: 'service' | 'caller';
      /**
       * A program that prints credentials, like git's credential helpers:
       * it gets `{"host", "url", "purpose"}` as JSON on stdin (with
       * `readAs: caller`, for a person also `"onBehalfOf"`, their user
       * entity ref, and `"ownershipEntityRefs"`) and prints
       * `{"username"?, "password"? | "token"?, "expiresAt"?}` (ISO 8601).
       * Cannot be combined with `password`, `token`, `tokenFile` or
       * `oauth2`.
       */
      credentialCommand?: {
        /**
         * The program and its arguments, e.g.
         * `['/usr/local/bin/hg-credentials', '--audience', 'hg']`; never run
         * through a shell.
         * @visibility backend
         */
        command: string[];
        /**
         * How long the program may run; default 10 seconds.
         * @visibility backend
         */
        timeout?:
          | string
          | {
              milliseconds?: number;
              seconds?: number;
              minutes?: number;
            };
      };
      /**
       * OAuth 2.0 client credentials grant (Okta, Azure AD, Keycloak, ...):
       * the access token goes as `Authorization: Bearer` on HTTP requests
       * and as the password of `username` (default `token`) for hg
       * commands. Cannot be combined with `password`, `token`, `tokenFile`
       * or `credentialCommand`.
       */
      oauth2?: {
        /**
         * The token endpoint; https (http only on 127.0.0.1, ::1 or
         * localhost).
         * @visibility backend
         */
        tokenUrl: string;
        /**
         * @visibility backend
         */
        clientId: string;
        /**
         * @visibility secret
         */
        clientSecret: string;
        /**
         * Space-separated scopes to ask for.
         * @visibility backend
         */
        scope?: string;
        /**
         * The audience to ask a token for; sent as `audience` (Auth0,
         * Okta custom servers) and, when it is an absolute URI, also as the
         * RFC 8707 `resource` (Azure AD v1, node-oidc-provider).
         * @visibility backend
         */
        audience?: string;
      };
      /**
       * At most this many concurrent HTTP requests to this host; default 8.
       * @visibility backend
       */
      maxConcurrentRequests?: number;
    }>;
  };
}
