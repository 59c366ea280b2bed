// Generated from openapi.json by scripts/generate.mjs (openapi-typescript). Do not edit:
// run `npm run client:generate` in the dirsync repository after changing the API.

export interface paths {
    "/api/v1/directories": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `directory:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                name: string;
                                /** @enum {string} */
                                type: "ldap" | "active_directory" | "entra_id" | "google_workspace" | "okta" | "scim";
                                enabled: boolean;
                                tenantId?: string;
                                clientId?: string;
                                /**
                                 * @description global, us_government, us_government_dod or china
                                 * @enum {string}
                                 */
                                cloud?: "global" | "us_government" | "us_government_dod" | "china";
                                graphScope?: string;
                                baseUrl?: string;
                                authUrl?: string;
                                tokenUrl?: string;
                                /** @description Target field (username, firstName, lastName, email, phone, displayName, externalId, or a custom name) → source attribute, or an expression such as ToLower(Join(".", [givenName], [sn])) (see docs/expressions.md). Unset fields keep their defaults (effectiveAttributeMapping). */
                                attributeMapping?: {
                                    [key: string]: string;
                                };
                                timeoutSeconds?: number;
                                nestedGroups?: boolean;
                                /** @description Groups that bound the scope. entra_id: group object ids; google_workspace: group email addresses or ids; okta: group ids (00g…) */
                                scopeGroups?: string[];
                                excludeGuests?: boolean;
                                excludeDisabled?: boolean;
                                adminEmail?: string;
                                customer?: string;
                                orgUnitPaths?: string[];
                                orgUrl?: string;
                                keyId?: string;
                                disabledStatuses?: string[];
                                rateLimitReservePercent?: number;
                                userSearch?: string;
                                /** @description Host name or IP address */
                                host?: string;
                                /** @description 389, or 636 with useTLS */
                                port?: number;
                                /** @description Servers tried in order when the primary cannot be reached (network or TLS errors, never authentication errors): "host" or "host:port" ("[v6]:port"); no port = port */
                                failoverHosts?: string[];
                                /** @description ldaps:// (TLS from the first byte) */
                                useTLS?: boolean;
                                /** @description Upgrade a plain connection with StartTLS */
                                startTLS?: boolean;
                                /** @description PEM CA certificate(s) to trust */
                                caCertificate?: string;
                                /** @description Verify the server certificate */
                                tlsRejectUnauthorized?: boolean;
                                /** @description Service account DN; empty for an anonymous bind */
                                bindDN?: string;
                                baseDN?: string;
                                userBaseDNs?: string[];
                                groupBaseDNs?: string[];
                                userSearchFilter?: string;
                                groupSearchFilter?: string;
                                exclusionFilter?: string;
                                liveSync?: boolean;
                                disabledAttribute?: string;
                                disabledValues?: string[];
                                timeLimitSeconds?: number;
                                pageSize?: number;
                                /**
                                 * @description SCIM directories: the identity provider that pushes (entra_id, okta, google_workspace, jumpcloud, onelogin, rippling, cyberark, pingfederate, generic)
                                 * @enum {string}
                                 */
                                provider?: "entra_id" | "okta" | "google_workspace" | "jumpcloud" | "onelogin" | "rippling" | "cyberark" | "pingfederate" | "generic";
                                /** @description 5-field cron expression in UTC; empty or null = manual only */
                                syncSchedule?: string | null;
                                /**
                                 * @description Default directory_wins
                                 * @enum {string}
                                 */
                                conflictPolicy?: "directory_wins" | "local_wins" | "manual_review";
                                /**
                                 * @description Default suspend
                                 * @enum {string}
                                 */
                                deactivationBehavior?: "suspend" | "ignore";
                                /** @description Role granted to new users; default "member"; null grants none */
                                defaultRole?: string | null;
                                /** @description Most suspensions one run may apply without confirmDeletions: a count (default 500) or a percentage such as "20%" */
                                deletionThreshold?: number | string;
                                /** @description Most group deletions one run may apply without confirmDeletions: a count or a percentage of the active groups such as "20%"; null (default) uses deletionThreshold */
                                groupDeletionThreshold?: number | string | null;
                                /** @description Accept a complete read of zero users (or zero groups) while users (or groups) are active here */
                                allowEmptySource?: boolean;
                                /** @description Delete users suspended, and groups deleted at the source, longer than this; null (default) keeps them */
                                purgeAfterDays?: number | null;
                                /** @description For incremental sources: run a full read at least this often (default 24) */
                                fullSyncIntervalHours?: number;
                                /** @description Pulled sources: the mapping in force, defaults included (target field → source attribute or expression) */
                                effectiveAttributeMapping?: {
                                    [key: string]: string;
                                };
                                /** @description Names of the write-only secrets that are set (their values are never returned) */
                                configuredSecrets: string[];
                                /** @description SCIM directories: the base URL to give the identity provider */
                                scimEndpointUrl?: string;
                                /** @description SCIM directories: the bearer token, returned once by create (rotate with POST …/scim-token) */
                                scimToken?: string;
                                /** @description green, yellow or red with the reason (unknown before the first run) */
                                health: {
                                    /** @enum {string} */
                                    status: "green" | "yellow" | "red" | "unknown";
                                    reason: string;
                                    /** @description Directories with liveSync: the live session as its holder last reported it (lagMs: age of the oldest reported change not applied yet) */
                                    live?: {
                                        /** @enum {string} */
                                        state: "connecting" | "connected" | "reconnecting" | "refused";
                                        reason: string | null;
                                        servedBy: string | null;
                                        connectedAt: string | null;
                                        lastChangeAt: string | null;
                                        lagMs: number;
                                    };
                                };
                                nextRunAt: string | null;
                                lastRunAt: string | null;
                                lastSuccessAt: string | null;
                                createdAt: string;
                                updatedAt: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** @description Permission: `directory:write` (or `admin`); a token without it answers 403. */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @enum {string} */
                        type: "ldap" | "active_directory" | "entra_id" | "google_workspace" | "okta" | "scim";
                        /** @description Default true; false stops scheduled runs */
                        enabled?: boolean;
                        tenantId?: string;
                        clientId?: string;
                        /**
                         * @description global, us_government, us_government_dod or china
                         * @enum {string}
                         */
                        cloud?: "global" | "us_government" | "us_government_dod" | "china";
                        graphScope?: string;
                        baseUrl?: string;
                        authUrl?: string;
                        tokenUrl?: string;
                        /** @description Target field (username, firstName, lastName, email, phone, displayName, externalId, or a custom name) → source attribute, or an expression such as ToLower(Join(".", [givenName], [sn])) (see docs/expressions.md). Unset fields keep their defaults (effectiveAttributeMapping). */
                        attributeMapping?: {
                            [key: string]: string;
                        };
                        timeoutSeconds?: number;
                        nestedGroups?: boolean;
                        /** @description Groups that bound the scope. entra_id: group object ids; google_workspace: group email addresses or ids; okta: group ids (00g…) */
                        scopeGroups?: string[];
                        excludeGuests?: boolean;
                        excludeDisabled?: boolean;
                        adminEmail?: string;
                        customer?: string;
                        orgUnitPaths?: string[];
                        orgUrl?: string;
                        keyId?: string;
                        disabledStatuses?: string[];
                        rateLimitReservePercent?: number;
                        userSearch?: string;
                        /** @description Host name or IP address */
                        host?: string;
                        /** @description 389, or 636 with useTLS */
                        port?: number;
                        /** @description Servers tried in order when the primary cannot be reached (network or TLS errors, never authentication errors): "host" or "host:port" ("[v6]:port"); no port = port */
                        failoverHosts?: string[];
                        /** @description ldaps:// (TLS from the first byte) */
                        useTLS?: boolean;
                        /** @description Upgrade a plain connection with StartTLS */
                        startTLS?: boolean;
                        /** @description PEM CA certificate(s) to trust */
                        caCertificate?: string;
                        /** @description Verify the server certificate */
                        tlsRejectUnauthorized?: boolean;
                        /** @description Service account DN; empty for an anonymous bind */
                        bindDN?: string;
                        baseDN?: string;
                        userBaseDNs?: string[];
                        groupBaseDNs?: string[];
                        userSearchFilter?: string;
                        groupSearchFilter?: string;
                        exclusionFilter?: string;
                        liveSync?: boolean;
                        disabledAttribute?: string;
                        disabledValues?: string[];
                        timeLimitSeconds?: number;
                        pageSize?: number;
                        /**
                         * @description SCIM directories: the identity provider that pushes (entra_id, okta, google_workspace, jumpcloud, onelogin, rippling, cyberark, pingfederate, generic)
                         * @enum {string}
                         */
                        provider?: "entra_id" | "okta" | "google_workspace" | "jumpcloud" | "onelogin" | "rippling" | "cyberark" | "pingfederate" | "generic";
                        bindPassword?: string;
                        clientSecret?: string;
                        /** @description Google service account JSON key (the file, as text or object) */
                        serviceAccountKey?: string | {
                            [key: string]: unknown;
                        };
                        apiToken?: string;
                        privateKey?: string;
                        /** @description 5-field cron expression in UTC; empty or null = manual only */
                        syncSchedule?: string | null;
                        /**
                         * @description Default directory_wins
                         * @enum {string}
                         */
                        conflictPolicy?: "directory_wins" | "local_wins" | "manual_review";
                        /**
                         * @description Default suspend
                         * @enum {string}
                         */
                        deactivationBehavior?: "suspend" | "ignore";
                        /** @description Role granted to new users; default "member"; null grants none */
                        defaultRole?: string | null;
                        /** @description Most suspensions one run may apply without confirmDeletions: a count (default 500) or a percentage such as "20%" */
                        deletionThreshold?: number | string;
                        /** @description Most group deletions one run may apply without confirmDeletions: a count or a percentage of the active groups such as "20%"; null (default) uses deletionThreshold */
                        groupDeletionThreshold?: number | string | null;
                        /** @description Accept a complete read of zero users (or zero groups) while users (or groups) are active here */
                        allowEmptySource?: boolean;
                        /** @description Delete users suspended, and groups deleted at the source, longer than this; null (default) keeps them */
                        purgeAfterDays?: number | null;
                        /** @description For incremental sources: run a full read at least this often (default 24) */
                        fullSyncIntervalHours?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** @enum {string} */
                            type: "ldap" | "active_directory" | "entra_id" | "google_workspace" | "okta" | "scim";
                            enabled: boolean;
                            tenantId?: string;
                            clientId?: string;
                            /**
                             * @description global, us_government, us_government_dod or china
                             * @enum {string}
                             */
                            cloud?: "global" | "us_government" | "us_government_dod" | "china";
                            graphScope?: string;
                            baseUrl?: string;
                            authUrl?: string;
                            tokenUrl?: string;
                            /** @description Target field (username, firstName, lastName, email, phone, displayName, externalId, or a custom name) → source attribute, or an expression such as ToLower(Join(".", [givenName], [sn])) (see docs/expressions.md). Unset fields keep their defaults (effectiveAttributeMapping). */
                            attributeMapping?: {
                                [key: string]: string;
                            };
                            timeoutSeconds?: number;
                            nestedGroups?: boolean;
                            /** @description Groups that bound the scope. entra_id: group object ids; google_workspace: group email addresses or ids; okta: group ids (00g…) */
                            scopeGroups?: string[];
                            excludeGuests?: boolean;
                            excludeDisabled?: boolean;
                            adminEmail?: string;
                            customer?: string;
                            orgUnitPaths?: string[];
                            orgUrl?: string;
                            keyId?: string;
                            disabledStatuses?: string[];
                            rateLimitReservePercent?: number;
                            userSearch?: string;
                            /** @description Host name or IP address */
                            host?: string;
                            /** @description 389, or 636 with useTLS */
                            port?: number;
                            /** @description Servers tried in order when the primary cannot be reached (network or TLS errors, never authentication errors): "host" or "host:port" ("[v6]:port"); no port = port */
                            failoverHosts?: string[];
                            /** @description ldaps:// (TLS from the first byte) */
                            useTLS?: boolean;
                            /** @description Upgrade a plain connection with StartTLS */
                            startTLS?: boolean;
                            /** @description PEM CA certificate(s) to trust */
                            caCertificate?: string;
                            /** @description Verify the server certificate */
                            tlsRejectUnauthorized?: boolean;
                            /** @description Service account DN; empty for an anonymous bind */
                            bindDN?: string;
                            baseDN?: string;
                            userBaseDNs?: string[];
                            groupBaseDNs?: string[];
                            userSearchFilter?: string;
                            groupSearchFilter?: string;
                            exclusionFilter?: string;
                            liveSync?: boolean;
                            disabledAttribute?: string;
                            disabledValues?: string[];
                            timeLimitSeconds?: number;
                            pageSize?: number;
                            /**
                             * @description SCIM directories: the identity provider that pushes (entra_id, okta, google_workspace, jumpcloud, onelogin, rippling, cyberark, pingfederate, generic)
                             * @enum {string}
                             */
                            provider?: "entra_id" | "okta" | "google_workspace" | "jumpcloud" | "onelogin" | "rippling" | "cyberark" | "pingfederate" | "generic";
                            /** @description 5-field cron expression in UTC; empty or null = manual only */
                            syncSchedule?: string | null;
                            /**
                             * @description Default directory_wins
                             * @enum {string}
                             */
                            conflictPolicy?: "directory_wins" | "local_wins" | "manual_review";
                            /**
                             * @description Default suspend
                             * @enum {string}
                             */
                            deactivationBehavior?: "suspend" | "ignore";
                            /** @description Role granted to new users; default "member"; null grants none */
                            defaultRole?: string | null;
                            /** @description Most suspensions one run may apply without confirmDeletions: a count (default 500) or a percentage such as "20%" */
                            deletionThreshold?: number | string;
                            /** @description Most group deletions one run may apply without confirmDeletions: a count or a percentage of the active groups such as "20%"; null (default) uses deletionThreshold */
                            groupDeletionThreshold?: number | string | null;
                            /** @description Accept a complete read of zero users (or zero groups) while users (or groups) are active here */
                            allowEmptySource?: boolean;
                            /** @description Delete users suspended, and groups deleted at the source, longer than this; null (default) keeps them */
                            purgeAfterDays?: number | null;
                            /** @description For incremental sources: run a full read at least this often (default 24) */
                            fullSyncIntervalHours?: number;
                            /** @description Pulled sources: the mapping in force, defaults included (target field → source attribute or expression) */
                            effectiveAttributeMapping?: {
                                [key: string]: string;
                            };
                            /** @description Names of the write-only secrets that are set (their values are never returned) */
                            configuredSecrets: string[];
                            /** @description SCIM directories: the base URL to give the identity provider */
                            scimEndpointUrl?: string;
                            /** @description SCIM directories: the bearer token, returned once by create (rotate with POST …/scim-token) */
                            scimToken?: string;
                            /** @description green, yellow or red with the reason (unknown before the first run) */
                            health: {
                                /** @enum {string} */
                                status: "green" | "yellow" | "red" | "unknown";
                                reason: string;
                                /** @description Directories with liveSync: the live session as its holder last reported it (lagMs: age of the oldest reported change not applied yet) */
                                live?: {
                                    /** @enum {string} */
                                    state: "connecting" | "connected" | "reconnecting" | "refused";
                                    reason: string | null;
                                    servedBy: string | null;
                                    connectedAt: string | null;
                                    lastChangeAt: string | null;
                                    lagMs: number;
                                };
                            };
                            nextRunAt: string | null;
                            lastRunAt: string | null;
                            lastSuccessAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `directory:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** @enum {string} */
                            type: "ldap" | "active_directory" | "entra_id" | "google_workspace" | "okta" | "scim";
                            enabled: boolean;
                            tenantId?: string;
                            clientId?: string;
                            /**
                             * @description global, us_government, us_government_dod or china
                             * @enum {string}
                             */
                            cloud?: "global" | "us_government" | "us_government_dod" | "china";
                            graphScope?: string;
                            baseUrl?: string;
                            authUrl?: string;
                            tokenUrl?: string;
                            /** @description Target field (username, firstName, lastName, email, phone, displayName, externalId, or a custom name) → source attribute, or an expression such as ToLower(Join(".", [givenName], [sn])) (see docs/expressions.md). Unset fields keep their defaults (effectiveAttributeMapping). */
                            attributeMapping?: {
                                [key: string]: string;
                            };
                            timeoutSeconds?: number;
                            nestedGroups?: boolean;
                            /** @description Groups that bound the scope. entra_id: group object ids; google_workspace: group email addresses or ids; okta: group ids (00g…) */
                            scopeGroups?: string[];
                            excludeGuests?: boolean;
                            excludeDisabled?: boolean;
                            adminEmail?: string;
                            customer?: string;
                            orgUnitPaths?: string[];
                            orgUrl?: string;
                            keyId?: string;
                            disabledStatuses?: string[];
                            rateLimitReservePercent?: number;
                            userSearch?: string;
                            /** @description Host name or IP address */
                            host?: string;
                            /** @description 389, or 636 with useTLS */
                            port?: number;
                            /** @description Servers tried in order when the primary cannot be reached (network or TLS errors, never authentication errors): "host" or "host:port" ("[v6]:port"); no port = port */
                            failoverHosts?: string[];
                            /** @description ldaps:// (TLS from the first byte) */
                            useTLS?: boolean;
                            /** @description Upgrade a plain connection with StartTLS */
                            startTLS?: boolean;
                            /** @description PEM CA certificate(s) to trust */
                            caCertificate?: string;
                            /** @description Verify the server certificate */
                            tlsRejectUnauthorized?: boolean;
                            /** @description Service account DN; empty for an anonymous bind */
                            bindDN?: string;
                            baseDN?: string;
                            userBaseDNs?: string[];
                            groupBaseDNs?: string[];
                            userSearchFilter?: string;
                            groupSearchFilter?: string;
                            exclusionFilter?: string;
                            liveSync?: boolean;
                            disabledAttribute?: string;
                            disabledValues?: string[];
                            timeLimitSeconds?: number;
                            pageSize?: number;
                            /**
                             * @description SCIM directories: the identity provider that pushes (entra_id, okta, google_workspace, jumpcloud, onelogin, rippling, cyberark, pingfederate, generic)
                             * @enum {string}
                             */
                            provider?: "entra_id" | "okta" | "google_workspace" | "jumpcloud" | "onelogin" | "rippling" | "cyberark" | "pingfederate" | "generic";
                            /** @description 5-field cron expression in UTC; empty or null = manual only */
                            syncSchedule?: string | null;
                            /**
                             * @description Default directory_wins
                             * @enum {string}
                             */
                            conflictPolicy?: "directory_wins" | "local_wins" | "manual_review";
                            /**
                             * @description Default suspend
                             * @enum {string}
                             */
                            deactivationBehavior?: "suspend" | "ignore";
                            /** @description Role granted to new users; default "member"; null grants none */
                            defaultRole?: string | null;
                            /** @description Most suspensions one run may apply without confirmDeletions: a count (default 500) or a percentage such as "20%" */
                            deletionThreshold?: number | string;
                            /** @description Most group deletions one run may apply without confirmDeletions: a count or a percentage of the active groups such as "20%"; null (default) uses deletionThreshold */
                            groupDeletionThreshold?: number | string | null;
                            /** @description Accept a complete read of zero users (or zero groups) while users (or groups) are active here */
                            allowEmptySource?: boolean;
                            /** @description Delete users suspended, and groups deleted at the source, longer than this; null (default) keeps them */
                            purgeAfterDays?: number | null;
                            /** @description For incremental sources: run a full read at least this often (default 24) */
                            fullSyncIntervalHours?: number;
                            /** @description Pulled sources: the mapping in force, defaults included (target field → source attribute or expression) */
                            effectiveAttributeMapping?: {
                                [key: string]: string;
                            };
                            /** @description Names of the write-only secrets that are set (their values are never returned) */
                            configuredSecrets: string[];
                            /** @description SCIM directories: the base URL to give the identity provider */
                            scimEndpointUrl?: string;
                            /** @description SCIM directories: the bearer token, returned once by create (rotate with POST …/scim-token) */
                            scimToken?: string;
                            /** @description green, yellow or red with the reason (unknown before the first run) */
                            health: {
                                /** @enum {string} */
                                status: "green" | "yellow" | "red" | "unknown";
                                reason: string;
                                /** @description Directories with liveSync: the live session as its holder last reported it (lagMs: age of the oldest reported change not applied yet) */
                                live?: {
                                    /** @enum {string} */
                                    state: "connecting" | "connected" | "reconnecting" | "refused";
                                    reason: string | null;
                                    servedBy: string | null;
                                    connectedAt: string | null;
                                    lastChangeAt: string | null;
                                    lagMs: number;
                                };
                            };
                            nextRunAt: string | null;
                            lastRunAt: string | null;
                            lastSuccessAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        /** @description Permission: `directory:write` (or `admin`); a token without it answers 403. */
        put: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name?: string;
                        /** @description Default true; false stops scheduled runs */
                        enabled?: boolean;
                        /** @enum {string} */
                        type?: "ldap" | "active_directory" | "entra_id" | "google_workspace" | "okta" | "scim";
                        tenantId?: string;
                        clientId?: string;
                        /**
                         * @description global, us_government, us_government_dod or china
                         * @enum {string}
                         */
                        cloud?: "global" | "us_government" | "us_government_dod" | "china";
                        graphScope?: string;
                        baseUrl?: string;
                        authUrl?: string;
                        tokenUrl?: string;
                        /** @description Target field (username, firstName, lastName, email, phone, displayName, externalId, or a custom name) → source attribute, or an expression such as ToLower(Join(".", [givenName], [sn])) (see docs/expressions.md). Unset fields keep their defaults (effectiveAttributeMapping). */
                        attributeMapping?: {
                            [key: string]: string;
                        };
                        timeoutSeconds?: number;
                        nestedGroups?: boolean;
                        /** @description Groups that bound the scope. entra_id: group object ids; google_workspace: group email addresses or ids; okta: group ids (00g…) */
                        scopeGroups?: string[];
                        excludeGuests?: boolean;
                        excludeDisabled?: boolean;
                        adminEmail?: string;
                        customer?: string;
                        orgUnitPaths?: string[];
                        orgUrl?: string;
                        keyId?: string;
                        disabledStatuses?: string[];
                        rateLimitReservePercent?: number;
                        userSearch?: string;
                        /** @description Host name or IP address */
                        host?: string;
                        /** @description 389, or 636 with useTLS */
                        port?: number;
                        /** @description Servers tried in order when the primary cannot be reached (network or TLS errors, never authentication errors): "host" or "host:port" ("[v6]:port"); no port = port */
                        failoverHosts?: string[];
                        /** @description ldaps:// (TLS from the first byte) */
                        useTLS?: boolean;
                        /** @description Upgrade a plain connection with StartTLS */
                        startTLS?: boolean;
                        /** @description PEM CA certificate(s) to trust */
                        caCertificate?: string;
                        /** @description Verify the server certificate */
                        tlsRejectUnauthorized?: boolean;
                        /** @description Service account DN; empty for an anonymous bind */
                        bindDN?: string;
                        baseDN?: string;
                        userBaseDNs?: string[];
                        groupBaseDNs?: string[];
                        userSearchFilter?: string;
                        groupSearchFilter?: string;
                        exclusionFilter?: string;
                        liveSync?: boolean;
                        disabledAttribute?: string;
                        disabledValues?: string[];
                        timeLimitSeconds?: number;
                        pageSize?: number;
                        /**
                         * @description SCIM directories: the identity provider that pushes (entra_id, okta, google_workspace, jumpcloud, onelogin, rippling, cyberark, pingfederate, generic)
                         * @enum {string}
                         */
                        provider?: "entra_id" | "okta" | "google_workspace" | "jumpcloud" | "onelogin" | "rippling" | "cyberark" | "pingfederate" | "generic";
                        bindPassword?: string;
                        clientSecret?: string;
                        /** @description Google service account JSON key (the file, as text or object) */
                        serviceAccountKey?: string | {
                            [key: string]: unknown;
                        };
                        apiToken?: string;
                        privateKey?: string;
                        /** @description 5-field cron expression in UTC; empty or null = manual only */
                        syncSchedule?: string | null;
                        /**
                         * @description Default directory_wins
                         * @enum {string}
                         */
                        conflictPolicy?: "directory_wins" | "local_wins" | "manual_review";
                        /**
                         * @description Default suspend
                         * @enum {string}
                         */
                        deactivationBehavior?: "suspend" | "ignore";
                        /** @description Role granted to new users; default "member"; null grants none */
                        defaultRole?: string | null;
                        /** @description Most suspensions one run may apply without confirmDeletions: a count (default 500) or a percentage such as "20%" */
                        deletionThreshold?: number | string;
                        /** @description Most group deletions one run may apply without confirmDeletions: a count or a percentage of the active groups such as "20%"; null (default) uses deletionThreshold */
                        groupDeletionThreshold?: number | string | null;
                        /** @description Accept a complete read of zero users (or zero groups) while users (or groups) are active here */
                        allowEmptySource?: boolean;
                        /** @description Delete users suspended, and groups deleted at the source, longer than this; null (default) keeps them */
                        purgeAfterDays?: number | null;
                        /** @description For incremental sources: run a full read at least this often (default 24) */
                        fullSyncIntervalHours?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** @enum {string} */
                            type: "ldap" | "active_directory" | "entra_id" | "google_workspace" | "okta" | "scim";
                            enabled: boolean;
                            tenantId?: string;
                            clientId?: string;
                            /**
                             * @description global, us_government, us_government_dod or china
                             * @enum {string}
                             */
                            cloud?: "global" | "us_government" | "us_government_dod" | "china";
                            graphScope?: string;
                            baseUrl?: string;
                            authUrl?: string;
                            tokenUrl?: string;
                            /** @description Target field (username, firstName, lastName, email, phone, displayName, externalId, or a custom name) → source attribute, or an expression such as ToLower(Join(".", [givenName], [sn])) (see docs/expressions.md). Unset fields keep their defaults (effectiveAttributeMapping). */
                            attributeMapping?: {
                                [key: string]: string;
                            };
                            timeoutSeconds?: number;
                            nestedGroups?: boolean;
                            /** @description Groups that bound the scope. entra_id: group object ids; google_workspace: group email addresses or ids; okta: group ids (00g…) */
                            scopeGroups?: string[];
                            excludeGuests?: boolean;
                            excludeDisabled?: boolean;
                            adminEmail?: string;
                            customer?: string;
                            orgUnitPaths?: string[];
                            orgUrl?: string;
                            keyId?: string;
                            disabledStatuses?: string[];
                            rateLimitReservePercent?: number;
                            userSearch?: string;
                            /** @description Host name or IP address */
                            host?: string;
                            /** @description 389, or 636 with useTLS */
                            port?: number;
                            /** @description Servers tried in order when the primary cannot be reached (network or TLS errors, never authentication errors): "host" or "host:port" ("[v6]:port"); no port = port */
                            failoverHosts?: string[];
                            /** @description ldaps:// (TLS from the first byte) */
                            useTLS?: boolean;
                            /** @description Upgrade a plain connection with StartTLS */
                            startTLS?: boolean;
                            /** @description PEM CA certificate(s) to trust */
                            caCertificate?: string;
                            /** @description Verify the server certificate */
                            tlsRejectUnauthorized?: boolean;
                            /** @description Service account DN; empty for an anonymous bind */
                            bindDN?: string;
                            baseDN?: string;
                            userBaseDNs?: string[];
                            groupBaseDNs?: string[];
                            userSearchFilter?: string;
                            groupSearchFilter?: string;
                            exclusionFilter?: string;
                            liveSync?: boolean;
                            disabledAttribute?: string;
                            disabledValues?: string[];
                            timeLimitSeconds?: number;
                            pageSize?: number;
                            /**
                             * @description SCIM directories: the identity provider that pushes (entra_id, okta, google_workspace, jumpcloud, onelogin, rippling, cyberark, pingfederate, generic)
                             * @enum {string}
                             */
                            provider?: "entra_id" | "okta" | "google_workspace" | "jumpcloud" | "onelogin" | "rippling" | "cyberark" | "pingfederate" | "generic";
                            /** @description 5-field cron expression in UTC; empty or null = manual only */
                            syncSchedule?: string | null;
                            /**
                             * @description Default directory_wins
                             * @enum {string}
                             */
                            conflictPolicy?: "directory_wins" | "local_wins" | "manual_review";
                            /**
                             * @description Default suspend
                             * @enum {string}
                             */
                            deactivationBehavior?: "suspend" | "ignore";
                            /** @description Role granted to new users; default "member"; null grants none */
                            defaultRole?: string | null;
                            /** @description Most suspensions one run may apply without confirmDeletions: a count (default 500) or a percentage such as "20%" */
                            deletionThreshold?: number | string;
                            /** @description Most group deletions one run may apply without confirmDeletions: a count or a percentage of the active groups such as "20%"; null (default) uses deletionThreshold */
                            groupDeletionThreshold?: number | string | null;
                            /** @description Accept a complete read of zero users (or zero groups) while users (or groups) are active here */
                            allowEmptySource?: boolean;
                            /** @description Delete users suspended, and groups deleted at the source, longer than this; null (default) keeps them */
                            purgeAfterDays?: number | null;
                            /** @description For incremental sources: run a full read at least this often (default 24) */
                            fullSyncIntervalHours?: number;
                            /** @description Pulled sources: the mapping in force, defaults included (target field → source attribute or expression) */
                            effectiveAttributeMapping?: {
                                [key: string]: string;
                            };
                            /** @description Names of the write-only secrets that are set (their values are never returned) */
                            configuredSecrets: string[];
                            /** @description SCIM directories: the base URL to give the identity provider */
                            scimEndpointUrl?: string;
                            /** @description SCIM directories: the bearer token, returned once by create (rotate with POST …/scim-token) */
                            scimToken?: string;
                            /** @description green, yellow or red with the reason (unknown before the first run) */
                            health: {
                                /** @enum {string} */
                                status: "green" | "yellow" | "red" | "unknown";
                                reason: string;
                                /** @description Directories with liveSync: the live session as its holder last reported it (lagMs: age of the oldest reported change not applied yet) */
                                live?: {
                                    /** @enum {string} */
                                    state: "connecting" | "connected" | "reconnecting" | "refused";
                                    reason: string | null;
                                    servedBy: string | null;
                                    connectedAt: string | null;
                                    lastChangeAt: string | null;
                                    lagMs: number;
                                };
                            };
                            nextRunAt: string | null;
                            lastRunAt: string | null;
                            lastSuccessAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        post?: never;
        /** @description Permission: `directory:write` (or `admin`); a token without it answers 403. */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `admin` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                name: string;
                                prefix: string;
                                tenantId: string | null;
                                permissions: string[];
                                createdAt: string;
                                lastUsedAt: string | null;
                                revokedAt: string | null;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** @description Permission: `admin` (or `admin`); a token without it answers 403. */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        permissions: ("directory:read" | "directory:write" | "users:read" | "users:write" | "events:read" | "webhooks:write" | "audit:read" | "metrics:read" | "admin")[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            prefix: string;
                            tenantId: string | null;
                            permissions: string[];
                            createdAt: string;
                            lastUsedAt: string | null;
                            revokedAt: string | null;
                            /** @description Shown once */
                            token: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tokens/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** @description Permission: `admin` (or `admin`); a token without it answers 403. */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/tenants": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: an instance admin token (a tenant token answers 403). */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                name: string;
                                /** @description Derived from the name: X-Tenant-ID accepts it as well as the id (null: the name has no ASCII letter or digit) */
                                slug: string | null;
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** @description Permission: an instance admin token (a tenant token answers 403). */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            name: string;
                            /** @description Derived from the name: X-Tenant-ID accepts it as well as the id (null: the name has no ASCII letter or digit) */
                            slug: string | null;
                            createdAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/scim-token": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the SCIM bearer token; the old token stops working at once
         * @description Permission: `directory:write` (or `admin`); a token without it answers 403.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            scimEndpointUrl: string;
                            /** @description Shown once */
                            scimToken: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/scim-held": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * SCIM deactivations held by the deletion threshold (or, with status, decided ones)
         * @description Permission: `directory:read` (or `admin`); a token without it answers 403.
         */
        get: {
            parameters: {
                query?: {
                    status?: "held" | "applied" | "approved" | "rejected" | "cancelled";
                    limit?: number;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                userId: string;
                                username: string | null;
                                /** @enum {string} */
                                action: "delete" | "deactivate";
                                status: string;
                                requestedAt: string;
                                decidedAt: string | null;
                                decidedBy: string | null;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/scim-held/approve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Apply held SCIM deactivations (all, or the ids given)
         * @description Permission: `directory:write` (or `admin`); a token without it answers 403.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Held entries to decide; absent = all held */
                        ids?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approved: number;
                            rejected: number;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/scim-held/reject": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Discard held SCIM deactivations (all, or the ids given); the users stay active
         * @description Permission: `directory:write` (or `admin`); a token without it answers 403.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description Held entries to decide; absent = all held */
                        ids?: string[];
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            approved: number;
                            rejected: number;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/sync": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Permission: `directory:write` (or `admin`); a token without it answers 403. */
        post: {
            parameters: {
                query?: {
                    /** @description Compute and list the changes; apply nothing */
                    dryRun?: boolean;
                    /** @description Apply suspensions above the deletion threshold */
                    confirmDeletions?: boolean;
                    /** @description Read the whole scope even when an incremental cursor is stored */
                    full?: boolean;
                    /** @description manual: a person pressed Sync (the console sends it); default api */
                    trigger?: "api" | "manual";
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            jobId: string;
                            status: string;
                            startedAt: string | null;
                            created: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/jobs": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `directory:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                directoryId: string;
                                /** @enum {string} */
                                status: "queued" | "running" | "completed" | "completed_with_errors" | "failed" | "cancelled";
                                /** @enum {string} */
                                trigger: "manual" | "schedule" | "api" | "scim" | "live";
                                dryRun: boolean;
                                confirmDeletions: boolean;
                                fullRequested: boolean;
                                mode: ("full" | "delta" | "live") | null;
                                servedBy: string | null;
                                usersCreated: number;
                                usersUpdated: number;
                                usersDeactivated: number;
                                usersReactivated: number;
                                groupsCreated: number;
                                groupsUpdated: number;
                                groupsDeleted: number;
                                /** @description Deleted groups whose source object came back (same id) */
                                groupsRestored: number;
                                membershipsAdded: number;
                                membershipsRemoved: number;
                                recordsRead: number;
                                /** @description All per-record errors; `errors` lists the first 100 */
                                errorCount: number;
                                errors: {
                                    externalId: string | null;
                                    dn: string | null;
                                    code: string;
                                    message: string;
                                }[];
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                progress: {
                                    /** @description queued | fetching_users | fetching_groups | sweeping | diffing | applying | done */
                                    phase: string;
                                    done: number;
                                    total: number | null;
                                    /** @description records per second */
                                    rate?: number;
                                };
                                attempt: number;
                                /** @description Every attempt of the job, oldest first (job detail only) */
                                attempts?: {
                                    attempt: number;
                                    /** @description host:pid:… of the worker that ran it */
                                    workerId: string;
                                    /** @description running | the job status its last attempt ended with | retrying (a transient error) | released (its worker shut down before applying) | lost (its worker stopped renewing the lease) */
                                    status: string;
                                    error: {
                                        code: string;
                                        message: string;
                                    } | null;
                                    startedAt: string;
                                    endedAt: string | null;
                                }[];
                                scheduledFor: string | null;
                                createdAt: string;
                                startedAt: string | null;
                                completedAt: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/jobs/{jobId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `directory:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            /** @enum {string} */
                            status: "queued" | "running" | "completed" | "completed_with_errors" | "failed" | "cancelled";
                            /** @enum {string} */
                            trigger: "manual" | "schedule" | "api" | "scim" | "live";
                            dryRun: boolean;
                            confirmDeletions: boolean;
                            fullRequested: boolean;
                            mode: ("full" | "delta" | "live") | null;
                            servedBy: string | null;
                            usersCreated: number;
                            usersUpdated: number;
                            usersDeactivated: number;
                            usersReactivated: number;
                            groupsCreated: number;
                            groupsUpdated: number;
                            groupsDeleted: number;
                            /** @description Deleted groups whose source object came back (same id) */
                            groupsRestored: number;
                            membershipsAdded: number;
                            membershipsRemoved: number;
                            recordsRead: number;
                            /** @description All per-record errors; `errors` lists the first 100 */
                            errorCount: number;
                            errors: {
                                externalId: string | null;
                                dn: string | null;
                                code: string;
                                message: string;
                            }[];
                            error: {
                                code: string;
                                message: string;
                            } | null;
                            progress: {
                                /** @description queued | fetching_users | fetching_groups | sweeping | diffing | applying | done */
                                phase: string;
                                done: number;
                                total: number | null;
                                /** @description records per second */
                                rate?: number;
                            };
                            attempt: number;
                            /** @description Every attempt of the job, oldest first (job detail only) */
                            attempts?: {
                                attempt: number;
                                /** @description host:pid:… of the worker that ran it */
                                workerId: string;
                                /** @description running | the job status its last attempt ended with | retrying (a transient error) | released (its worker shut down before applying) | lost (its worker stopped renewing the lease) */
                                status: string;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                startedAt: string;
                                endedAt: string | null;
                            }[];
                            scheduledFor: string | null;
                            createdAt: string;
                            startedAt: string | null;
                            completedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/jobs/{jobId}/changes": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `directory:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                    objectType?: string;
                    action?: string;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: number;
                                /** @description user | group | membership | conflict | error */
                                objectType: string;
                                action: string;
                                objectId: string | null;
                                externalId: string | null;
                                name: string | null;
                                dn: string | null;
                                fields: {
                                    [key: string]: unknown;
                                } | null;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/jobs/{jobId}/cancel": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Permission: `directory:write` (or `admin`); a token without it answers 403. */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                    jobId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            /** @enum {string} */
                            status: "queued" | "running" | "completed" | "completed_with_errors" | "failed" | "cancelled";
                            /** @enum {string} */
                            trigger: "manual" | "schedule" | "api" | "scim" | "live";
                            dryRun: boolean;
                            confirmDeletions: boolean;
                            fullRequested: boolean;
                            mode: ("full" | "delta" | "live") | null;
                            servedBy: string | null;
                            usersCreated: number;
                            usersUpdated: number;
                            usersDeactivated: number;
                            usersReactivated: number;
                            groupsCreated: number;
                            groupsUpdated: number;
                            groupsDeleted: number;
                            /** @description Deleted groups whose source object came back (same id) */
                            groupsRestored: number;
                            membershipsAdded: number;
                            membershipsRemoved: number;
                            recordsRead: number;
                            /** @description All per-record errors; `errors` lists the first 100 */
                            errorCount: number;
                            errors: {
                                externalId: string | null;
                                dn: string | null;
                                code: string;
                                message: string;
                            }[];
                            error: {
                                code: string;
                                message: string;
                            } | null;
                            progress: {
                                /** @description queued | fetching_users | fetching_groups | sweeping | diffing | applying | done */
                                phase: string;
                                done: number;
                                total: number | null;
                                /** @description records per second */
                                rate?: number;
                            };
                            attempt: number;
                            /** @description Every attempt of the job, oldest first (job detail only) */
                            attempts?: {
                                attempt: number;
                                /** @description host:pid:… of the worker that ran it */
                                workerId: string;
                                /** @description running | the job status its last attempt ended with | retrying (a transient error) | released (its worker shut down before applying) | lost (its worker stopped renewing the lease) */
                                status: string;
                                error: {
                                    code: string;
                                    message: string;
                                } | null;
                                startedAt: string;
                                endedAt: string | null;
                            }[];
                            scheduledFor: string | null;
                            createdAt: string;
                            startedAt: string | null;
                            completedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Permission: `directory:write` (or `admin`); a token without it answers 403. */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            success: true;
                            usersFound: number;
                            groupsFound: number;
                            /** @description LDAP and AD: the server (host:port) that answered */
                            servedBy?: string;
                        } | {
                            /** @enum {boolean} */
                            success: false;
                            error: {
                                kind: string;
                                message: string;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/{id}/mapping-preview": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Map the first user of the scope with the saved or a proposed mapping
         * @description Permission: `directory:write` (or `admin`); a token without it answers 403.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description A mapping to try instead of the saved one (not saved); the same rules as on save apply */
                        attributeMapping?: {
                            [key: string]: string;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            success: true;
                            effectiveAttributeMapping: {
                                [key: string]: string;
                            };
                            source: {
                                [key: string]: unknown;
                            } | null;
                            user: {
                                externalId: string;
                                enabled: boolean;
                                dn?: string;
                                username?: string;
                                firstName?: string;
                                lastName?: string;
                                email?: string;
                                phone?: string;
                                displayName?: string;
                                custom?: {
                                    [key: string]: string | string[] | null;
                                };
                            } | null;
                            error: {
                                code: string;
                                message: string;
                            } | null;
                        } | {
                            /** @enum {boolean} */
                            success: false;
                            effectiveAttributeMapping: {
                                [key: string]: string;
                            };
                            error: {
                                kind: string;
                                message: string;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/directories/test": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Permission: `directory:write` (or `admin`); a token without it answers 403. */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        name: string;
                        /** @enum {string} */
                        type: "ldap" | "active_directory" | "entra_id" | "google_workspace" | "okta" | "scim";
                        /** @description Default true; false stops scheduled runs */
                        enabled?: boolean;
                        tenantId?: string;
                        clientId?: string;
                        /**
                         * @description global, us_government, us_government_dod or china
                         * @enum {string}
                         */
                        cloud?: "global" | "us_government" | "us_government_dod" | "china";
                        graphScope?: string;
                        baseUrl?: string;
                        authUrl?: string;
                        tokenUrl?: string;
                        /** @description Target field (username, firstName, lastName, email, phone, displayName, externalId, or a custom name) → source attribute, or an expression such as ToLower(Join(".", [givenName], [sn])) (see docs/expressions.md). Unset fields keep their defaults (effectiveAttributeMapping). */
                        attributeMapping?: {
                            [key: string]: string;
                        };
                        timeoutSeconds?: number;
                        nestedGroups?: boolean;
                        /** @description Groups that bound the scope. entra_id: group object ids; google_workspace: group email addresses or ids; okta: group ids (00g…) */
                        scopeGroups?: string[];
                        excludeGuests?: boolean;
                        excludeDisabled?: boolean;
                        adminEmail?: string;
                        customer?: string;
                        orgUnitPaths?: string[];
                        orgUrl?: string;
                        keyId?: string;
                        disabledStatuses?: string[];
                        rateLimitReservePercent?: number;
                        userSearch?: string;
                        /** @description Host name or IP address */
                        host?: string;
                        /** @description 389, or 636 with useTLS */
                        port?: number;
                        /** @description Servers tried in order when the primary cannot be reached (network or TLS errors, never authentication errors): "host" or "host:port" ("[v6]:port"); no port = port */
                        failoverHosts?: string[];
                        /** @description ldaps:// (TLS from the first byte) */
                        useTLS?: boolean;
                        /** @description Upgrade a plain connection with StartTLS */
                        startTLS?: boolean;
                        /** @description PEM CA certificate(s) to trust */
                        caCertificate?: string;
                        /** @description Verify the server certificate */
                        tlsRejectUnauthorized?: boolean;
                        /** @description Service account DN; empty for an anonymous bind */
                        bindDN?: string;
                        baseDN?: string;
                        userBaseDNs?: string[];
                        groupBaseDNs?: string[];
                        userSearchFilter?: string;
                        groupSearchFilter?: string;
                        exclusionFilter?: string;
                        liveSync?: boolean;
                        disabledAttribute?: string;
                        disabledValues?: string[];
                        timeLimitSeconds?: number;
                        pageSize?: number;
                        /**
                         * @description SCIM directories: the identity provider that pushes (entra_id, okta, google_workspace, jumpcloud, onelogin, rippling, cyberark, pingfederate, generic)
                         * @enum {string}
                         */
                        provider?: "entra_id" | "okta" | "google_workspace" | "jumpcloud" | "onelogin" | "rippling" | "cyberark" | "pingfederate" | "generic";
                        bindPassword?: string;
                        clientSecret?: string;
                        /** @description Google service account JSON key (the file, as text or object) */
                        serviceAccountKey?: string | {
                            [key: string]: unknown;
                        };
                        apiToken?: string;
                        privateKey?: string;
                        /** @description 5-field cron expression in UTC; empty or null = manual only */
                        syncSchedule?: string | null;
                        /**
                         * @description Default directory_wins
                         * @enum {string}
                         */
                        conflictPolicy?: "directory_wins" | "local_wins" | "manual_review";
                        /**
                         * @description Default suspend
                         * @enum {string}
                         */
                        deactivationBehavior?: "suspend" | "ignore";
                        /** @description Role granted to new users; default "member"; null grants none */
                        defaultRole?: string | null;
                        /** @description Most suspensions one run may apply without confirmDeletions: a count (default 500) or a percentage such as "20%" */
                        deletionThreshold?: number | string;
                        /** @description Most group deletions one run may apply without confirmDeletions: a count or a percentage of the active groups such as "20%"; null (default) uses deletionThreshold */
                        groupDeletionThreshold?: number | string | null;
                        /** @description Accept a complete read of zero users (or zero groups) while users (or groups) are active here */
                        allowEmptySource?: boolean;
                        /** @description Delete users suspended, and groups deleted at the source, longer than this; null (default) keeps them */
                        purgeAfterDays?: number | null;
                        /** @description For incremental sources: run a full read at least this often (default 24) */
                        fullSyncIntervalHours?: number;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {boolean} */
                            success: true;
                            usersFound: number;
                            groupsFound: number;
                            /** @description LDAP and AD: the server (host:port) that answered */
                            servedBy?: string;
                        } | {
                            /** @enum {boolean} */
                            success: false;
                            error: {
                                kind: string;
                                message: string;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/stats": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `directory:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            directories: {
                                total: number;
                                active: number;
                                byType: {
                                    [key: string]: number;
                                };
                            };
                            users: {
                                total: number;
                                byStatus: {
                                    [key: string]: number;
                                };
                                /** @description Users synced per directory id, by status */
                                byDirectory: {
                                    [key: string]: {
                                        [key: string]: number;
                                    };
                                };
                            };
                            groups: {
                                total: number;
                                byStatus: {
                                    [key: string]: number;
                                };
                            };
                            health: {
                                [key: string]: number;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * @description Events of the tenant after a cursor, oldest first. Store nextCursor and pass it as `after` to continue; it is returned even when no new event arrived.
         *
         *     Permission: `events:read` (or `admin`); a token without it answers 403.
         */
        get: {
            parameters: {
                query?: {
                    /** @description The nextCursor of the previous page (an event id); absent = from the first event */
                    after?: string;
                    limit?: number;
                    /** @description Comma-separated event types */
                    type?: string;
                    directoryId?: string;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                /** @description Increasing per tenant; the feed cursor */
                                id: string;
                                /** @enum {string} */
                                type: "user.created" | "user.updated" | "user.suspended" | "user.reactivated" | "user.deleted" | "group.created" | "group.updated" | "group.deleted" | "group.restored" | "group.member_added" | "group.member_removed" | "role.granted" | "role.revoked" | "organization.granted" | "organization.revoked" | "team.granted" | "team.revoked" | "directory.sync_started" | "directory.sync_completed" | "directory.sync_failed" | "directory.created" | "directory.updated" | "directory.deleted" | "directory.health_changed" | "conflict.detected" | "scim.deactivations_held";
                                directoryId: string | null;
                                objectType: string;
                                objectId: string;
                                /** @description The object as it is after the change */
                                data: unknown;
                                changedFields: string[] | null;
                                actor: string;
                                createdAt: string;
                            }[];
                            nextCursor: string | null;
                            hasMore: boolean;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `webhooks:write` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                url: string;
                                description: string | null;
                                /** @description "*" = every type */
                                eventTypes: string[];
                                enabled: boolean;
                                /** @description active | failing (a delivery exhausted 24 h of retries; back to active on the next success) */
                                status: string;
                                failingSince: string | null;
                                lastSuccessAt: string | null;
                                createdAt: string;
                                updatedAt: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /** @description Permission: `webhooks:write` (or `admin`); a token without it answers 403. */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description http(s) URL receiving POSTs */
                        url: string;
                        description?: string | null;
                        /** @description Event types to receive; empty or ["*"] = all */
                        eventTypes?: string[];
                        /** @description Signing secret; generated when absent and returned once */
                        secret?: string;
                        enabled?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            url: string;
                            description: string | null;
                            /** @description "*" = every type */
                            eventTypes: string[];
                            enabled: boolean;
                            /** @description active | failing (a delivery exhausted 24 h of retries; back to active on the next success) */
                            status: string;
                            failingSince: string | null;
                            lastSuccessAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                            /** @description Shown once */
                            secret: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `webhooks:write` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            url: string;
                            description: string | null;
                            /** @description "*" = every type */
                            eventTypes: string[];
                            enabled: boolean;
                            /** @description active | failing (a delivery exhausted 24 h of retries; back to active on the next success) */
                            status: string;
                            failingSince: string | null;
                            lastSuccessAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /** @description Permission: `webhooks:write` (or `admin`); a token without it answers 403. */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /** @description Permission: `webhooks:write` (or `admin`); a token without it answers 403. */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        /** @description http(s) URL receiving POSTs */
                        url?: string;
                        description?: string | null;
                        /** @description Event types to receive; empty or ["*"] = all */
                        eventTypes?: string[];
                        /** @description Signing secret; generated when absent and returned once */
                        secret?: string;
                        enabled?: boolean;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            url: string;
                            description: string | null;
                            /** @description "*" = every type */
                            eventTypes: string[];
                            enabled: boolean;
                            /** @description active | failing (a delivery exhausted 24 h of retries; back to active on the next success) */
                            status: string;
                            failingSince: string | null;
                            lastSuccessAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/webhooks/{id}/deliveries": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `webhooks:write` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                    status?: "pending" | "delivered" | "failed";
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                endpointId: string;
                                eventId: string;
                                eventType: string | null;
                                /** @description pending | delivered | failed */
                                status: string;
                                attempts: number;
                                nextAttemptAt: string | null;
                                giveUpAt: string | null;
                                lastStatusCode: number | null;
                                lastError: string | null;
                                lastDurationMs: number | null;
                                createdAt: string;
                                deliveredAt: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}/deliveries/{deliveryId}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `webhooks:write` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                    deliveryId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            endpointId: string;
                            eventId: string;
                            eventType: string | null;
                            /** @description pending | delivered | failed */
                            status: string;
                            attempts: number;
                            nextAttemptAt: string | null;
                            giveUpAt: string | null;
                            lastStatusCode: number | null;
                            lastError: string | null;
                            lastDurationMs: number | null;
                            createdAt: string;
                            deliveredAt: string | null;
                            attemptLog: {
                                attempt: number;
                                statusCode: number | null;
                                durationMs: number;
                                error: string | null;
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/webhooks/{id}/deliveries/{deliveryId}/redeliver": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** @description Permission: `webhooks:write` (or `admin`); a token without it answers 403. */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                    deliveryId: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            endpointId: string;
                            eventId: string;
                            eventType: string | null;
                            /** @description pending | delivered | failed */
                            status: string;
                            attempts: number;
                            nextAttemptAt: string | null;
                            giveUpAt: string | null;
                            lastStatusCode: number | null;
                            lastError: string | null;
                            lastDurationMs: number | null;
                            createdAt: string;
                            deliveredAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                    directoryId?: string;
                    status?: "active" | "suspended";
                    groupId?: string;
                    updatedSince?: string;
                    search?: string;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                directoryId: string;
                                externalId: string;
                                username: string;
                                firstName: string | null;
                                lastName: string | null;
                                email: string | null;
                                emailVerified: boolean;
                                phone: string | null;
                                displayName: string | null;
                                /** @description active | suspended */
                                status: string;
                                custom: {
                                    [key: string]: unknown;
                                };
                                /** @description Mapped fields edited here, with the value set; the conflict policy governs them at the next sync */
                                localEdits: {
                                    [key: string]: unknown;
                                };
                                /** @description Suspended by an admin (POST …/suspend): kept suspended whatever the source says until POST …/reactivate */
                                manualHold: boolean;
                                suspendedAt: string | null;
                                createdAt: string;
                                updatedAt: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            externalId: string;
                            username: string;
                            firstName: string | null;
                            lastName: string | null;
                            email: string | null;
                            emailVerified: boolean;
                            phone: string | null;
                            displayName: string | null;
                            /** @description active | suspended */
                            status: string;
                            custom: {
                                [key: string]: unknown;
                            };
                            /** @description Mapped fields edited here, with the value set; the conflict policy governs them at the next sync */
                            localEdits: {
                                [key: string]: unknown;
                            };
                            /** @description Suspended by an admin (POST …/suspend): kept suspended whatever the source says until POST …/reactivate */
                            manualHold: boolean;
                            suspendedAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                            groups: {
                                id: string;
                                name: string;
                                direct: boolean;
                            }[];
                            roles: string[];
                            organizations: string[];
                            teams: string[];
                            source: {
                                directoryId: string;
                                directoryName: string | null;
                                directoryType: string | null;
                                externalId: string;
                                dn: string | null;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete a user permanently
         * @description Deletes the user with its memberships, grants and conflicts (user.deleted); events and audit entries stay. A user still in its source scope is created again, with a new id, by the next full read: suspend to keep someone out.
         *
         *     Permission: `users:write` (or `admin`); a token without it answers 403.
         */
        delete: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        /**
         * @description Local edit of mapped fields. Recorded in localEdits; at the next sync the directory conflict policy decides (directory_wins overwrites, local_wins keeps, manual_review raises a conflict).
         *
         *     Permission: `users:write` (or `admin`); a token without it answers 403.
         */
        patch: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        username?: string;
                        firstName?: string | null;
                        lastName?: string | null;
                        email?: string | null;
                        phone?: string | null;
                        displayName?: string | null;
                        /** @description Custom attributes; null removes one */
                        custom?: {
                            [key: string]: unknown;
                        };
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            externalId: string;
                            username: string;
                            firstName: string | null;
                            lastName: string | null;
                            email: string | null;
                            emailVerified: boolean;
                            phone: string | null;
                            displayName: string | null;
                            /** @description active | suspended */
                            status: string;
                            custom: {
                                [key: string]: unknown;
                            };
                            /** @description Mapped fields edited here, with the value set; the conflict policy governs them at the next sync */
                            localEdits: {
                                [key: string]: unknown;
                            };
                            /** @description Suspended by an admin (POST …/suspend): kept suspended whatever the source says until POST …/reactivate */
                            manualHold: boolean;
                            suspendedAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        trace?: never;
    };
    "/api/v1/users/{id}/suspend": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Suspend a user and hold it suspended
         * @description Suspends the user (user.suspended: end its sessions) and records a manual hold: syncs and SCIM pushes keep it suspended even while the source has it active, until POST …/reactivate. A user already suspended gets the hold only.
         *
         *     Permission: `users:write` (or `admin`); a token without it answers 403.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            externalId: string;
                            username: string;
                            firstName: string | null;
                            lastName: string | null;
                            email: string | null;
                            emailVerified: boolean;
                            phone: string | null;
                            displayName: string | null;
                            /** @description active | suspended */
                            status: string;
                            custom: {
                                [key: string]: unknown;
                            };
                            /** @description Mapped fields edited here, with the value set; the conflict policy governs them at the next sync */
                            localEdits: {
                                [key: string]: unknown;
                            };
                            /** @description Suspended by an admin (POST …/suspend): kept suspended whatever the source says until POST …/reactivate */
                            manualHold: boolean;
                            suspendedAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/reactivate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Lift a manual hold and reactivate a user
         * @description Removes the manual hold and reactivates the user (user.reactivated); from the next sync its status follows the source again. A user its directory suspended (disabled, deleted or out of scope at the source) answers 409: reactivate it at the source.
         *
         *     Permission: `users:write` (or `admin`); a token without it answers 403.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            externalId: string;
                            username: string;
                            firstName: string | null;
                            lastName: string | null;
                            email: string | null;
                            emailVerified: boolean;
                            phone: string | null;
                            displayName: string | null;
                            /** @description active | suspended */
                            status: string;
                            custom: {
                                [key: string]: unknown;
                            };
                            /** @description Mapped fields edited here, with the value set; the conflict policy governs them at the next sync */
                            localEdits: {
                                [key: string]: unknown;
                            };
                            /** @description Suspended by an admin (POST …/suspend): kept suspended whatever the source says until POST …/reactivate */
                            manualHold: boolean;
                            suspendedAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/users/{id}/access": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            userId: string;
                            roles: {
                                id: string;
                                key: string;
                                name: string;
                                grants: {
                                    /** @description default | mapping | manual */
                                    source: string;
                                    mappingId: string | null;
                                    directoryId: string | null;
                                    group: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    membership: string | null;
                                    /** @description From the mapped group down to the group the user is a direct member of */
                                    path: {
                                        id: string;
                                        name: string;
                                    }[];
                                    grantedAt: string;
                                }[];
                            }[];
                            organizations: {
                                id: string;
                                key: string;
                                name: string;
                                grants: {
                                    /** @description default | mapping | manual */
                                    source: string;
                                    mappingId: string | null;
                                    directoryId: string | null;
                                    group: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    membership: string | null;
                                    /** @description From the mapped group down to the group the user is a direct member of */
                                    path: {
                                        id: string;
                                        name: string;
                                    }[];
                                    grantedAt: string;
                                }[];
                            }[];
                            teams: {
                                id: string;
                                key: string;
                                name: string;
                                grants: {
                                    /** @description default | mapping | manual */
                                    source: string;
                                    mappingId: string | null;
                                    directoryId: string | null;
                                    group: {
                                        id: string;
                                        name: string;
                                    } | null;
                                    membership: string | null;
                                    /** @description From the mapped group down to the group the user is a direct member of */
                                    path: {
                                        id: string;
                                        name: string;
                                    }[];
                                    grantedAt: string;
                                }[];
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/groups": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                    directoryId?: string;
                    userId?: string;
                    updatedSince?: string;
                    search?: string;
                    /** @description Default active; deleted lists the groups gone from the source */
                    status?: "active" | "deleted";
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                directoryId: string;
                                externalId: string;
                                name: string;
                                description: string | null;
                                /**
                                 * @description deleted: gone from the source (kept with the same id)
                                 * @enum {string}
                                 */
                                status: "active" | "deleted";
                                deletedAt: string | null;
                                createdAt: string;
                                updatedAt: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/groups/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            externalId: string;
                            name: string;
                            description: string | null;
                            /**
                             * @description deleted: gone from the source (kept with the same id)
                             * @enum {string}
                             */
                            status: "active" | "deleted";
                            deletedAt: string | null;
                            createdAt: string;
                            updatedAt: string;
                            memberCount: number;
                            parentGroups: {
                                id: string;
                                name: string;
                            }[];
                            childGroups: {
                                id: string;
                                name: string;
                            }[];
                            source: {
                                directoryId: string;
                                externalId: string;
                                dn: string | null;
                            };
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/groups/{id}/members": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * @description Members (direct and, with nestedGroups, through nested groups), keyset-paginated: every page costs the same for groups of any size.
         *
         *     Permission: `users:read` (or `admin`); a token without it answers 403.
         */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                    status?: "active" | "suspended";
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                directoryId: string;
                                externalId: string;
                                username: string;
                                firstName: string | null;
                                lastName: string | null;
                                email: string | null;
                                emailVerified: boolean;
                                phone: string | null;
                                displayName: string | null;
                                /** @description active | suspended */
                                status: string;
                                custom: {
                                    [key: string]: unknown;
                                };
                                /** @description Mapped fields edited here, with the value set; the conflict policy governs them at the next sync */
                                localEdits: {
                                    [key: string]: unknown;
                                };
                                /** @description Suspended by an admin (POST …/suspend): kept suspended whatever the source says until POST …/reactivate */
                                manualHold: boolean;
                                suspendedAt: string | null;
                                createdAt: string;
                                updatedAt: string;
                                direct: boolean;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/group-mappings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                    directoryId?: string;
                    groupId?: string;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                directoryId: string;
                                groupId: string;
                                groupName: string | null;
                                targetType: "role" | "organization" | "team";
                                target: {
                                    id: string;
                                    key: string;
                                    name: string;
                                } | null;
                                createdAt: string;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * @description Creates the mapping and grants the target to the group's current members at once (role.granted / organization.granted / team.granted events).
         *
         *     Permission: `users:write` (or `admin`); a token without it answers 403.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        directoryId: string;
                        /** @description The synced group (its dirsync id) */
                        groupId: string;
                        targetType: "role" | "organization" | "team";
                        /** @description Key of the role / organization / team; created when missing */
                        targetKey: string;
                        /** @description Name of a target created here (default: the key) */
                        targetName?: string;
                        /** @description Teams only: the organization (key) the team belongs to; created when missing */
                        organizationKey?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                201: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            groupId: string;
                            groupName: string | null;
                            targetType: "role" | "organization" | "team";
                            target: {
                                id: string;
                                key: string;
                                name: string;
                            } | null;
                            createdAt: string;
                            membersGranted: number;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/group-mappings/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            groupId: string;
                            groupName: string | null;
                            targetType: "role" | "organization" | "team";
                            target: {
                                id: string;
                                key: string;
                                name: string;
                            } | null;
                            createdAt: string;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * @description removeMembers=true removes exactly the grants this mapping added (users keep what another mapping, the default role or a manual grant gives); false (default) keeps them as manual grants.
         *
         *     Permission: `users:write` (or `admin`); a token without it answers 403.
         */
        delete: {
            parameters: {
                query?: {
                    removeMembers?: boolean;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            revoked: number;
                            keptAsManual: number;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conflicts": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                    status?: "open" | "resolved";
                    directoryId?: string;
                    userId?: string;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                directoryId: string;
                                userId: string;
                                username: string | null;
                                field: string;
                                localValue: unknown;
                                sourceValue: unknown;
                                /** @description open | resolved */
                                status: string;
                                resolution: string | null;
                                resolvedBy: string | null;
                                createdAt: string;
                                resolvedAt: string | null;
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conflicts/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            userId: string;
                            username: string | null;
                            field: string;
                            localValue: unknown;
                            sourceValue: unknown;
                            /** @description open | resolved */
                            status: string;
                            resolution: string | null;
                            resolvedBy: string | null;
                            createdAt: string;
                            resolvedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/conflicts/{id}/resolve": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * @description take_directory: the source value replaces the local one and the local edit is dropped. keep_local: the local value stays and the same source value is not raised again.
         *
         *     Permission: `users:write` (or `admin`); a token without it answers 403.
         */
        post: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path: {
                    id: string;
                };
                cookie?: never;
            };
            requestBody: {
                content: {
                    "application/json": {
                        resolution: "keep_local" | "take_directory";
                    };
                };
            };
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            id: string;
                            directoryId: string;
                            userId: string;
                            username: string | null;
                            field: string;
                            localValue: unknown;
                            sourceValue: unknown;
                            /** @description open | resolved */
                            status: string;
                            resolution: string | null;
                            resolvedBy: string | null;
                            createdAt: string;
                            resolvedAt: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/audit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * @description Newest first. includeSyncChanges adds one entry per object each applied sync job changed (actor sync:<jobId>); it defaults to true when actor names a sync job.
         *
         *     Permission: `audit:read` (or `admin`); a token without it answers 403.
         */
        get: {
            parameters: {
                query?: {
                    limit?: number;
                    after?: string;
                    actor?: string;
                    /** @description Exact action, or a prefix ending in "." (user.) */
                    action?: string;
                    objectType?: string;
                    objectId?: string;
                    directoryId?: string;
                    from?: string;
                    to?: string;
                    includeSyncChanges?: boolean;
                };
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                /** @description token:<name>, sync:<jobId>, scim:<directoryId> or system:<task> */
                                actor: string;
                                action: string;
                                objectType: string;
                                objectId: string | null;
                                directoryId: string | null;
                                before: unknown;
                                after: unknown;
                                createdAt: string;
                                source?: {
                                    jobId: string;
                                    externalId: string | null;
                                    name: string | null;
                                    dn: string | null;
                                };
                            }[];
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/roles": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                key: string;
                                name: string;
                                /** @description Users holding it */
                                holders: number;
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/organizations": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                key: string;
                                name: string;
                                /** @description Users holding it */
                                holders: number;
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/v1/teams": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** @description Permission: `users:read` (or `admin`); a token without it answers 403. */
        get: {
            parameters: {
                query?: never;
                header?: {
                    /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
                    "X-Tenant-ID"?: components["parameters"]["TenantId"];
                };
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            data: {
                                id: string;
                                key: string;
                                name: string;
                                /** @description Users holding it */
                                holders: number;
                                createdAt: string;
                            }[];
                        };
                    };
                };
                /** @description Default Response */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                401: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                403: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
                /** @description Default Response */
                429: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            error: {
                                code: string;
                                message: string;
                                details?: unknown;
                            };
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: never;
    responses: never;
    parameters: {
        /** @description The tenant to act in, by id or by slug (its name in lower case, with each run of other characters than letters and digits turned into one hyphen). Only an instance admin token chooses: without the header it acts in the first tenant. A tenant token acts in its own tenant; a header naming another tenant answers 403. */
        TenantId: string;
    };
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
