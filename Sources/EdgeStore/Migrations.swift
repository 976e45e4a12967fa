import GRDB

/// The schema's history. A migration, once shipped, is never edited: the
/// state files in the field have already run it. Changes are new migrations
/// appended at the end. Migrations use plain SQL only, never application types,
/// so that they mean the same thing forever.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-desired-state") { db in
            try db.execute(
                sql: """
                    CREATE TABLE generation (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        createdAt TEXT NOT NULL,
                        command TEXT NOT NULL,
                        user TEXT NOT NULL,
                        host TEXT NOT NULL
                    );
                    CREATE TABLE resource (
                        kind TEXT NOT NULL,
                        name TEXT NOT NULL,
                        labels TEXT NOT NULL,
                        spec TEXT NOT NULL,
                        release TEXT,
                        generation INTEGER NOT NULL,
                        appliedGeneration INTEGER NOT NULL REFERENCES generation(id),
                        sourceFile TEXT,
                        sourceLine INTEGER,
                        createdAt TEXT NOT NULL,
                        updatedAt TEXT NOT NULL,
                        PRIMARY KEY (kind, name)
                    );
                    CREATE TABLE release (
                        digest TEXT NOT NULL,
                        service TEXT NOT NULL,
                        version TEXT,
                        fileCount INTEGER NOT NULL,
                        size INTEGER NOT NULL,
                        entries TEXT NOT NULL,
                        createdAt TEXT NOT NULL,
                        PRIMARY KEY (digest, service)
                    );
                    CREATE TABLE revision (
                        service TEXT NOT NULL,
                        revision INTEGER NOT NULL,
                        spec TEXT NOT NULL,
                        release TEXT NOT NULL,
                        version TEXT,
                        generation INTEGER,
                        createdAt TEXT NOT NULL,
                        command TEXT NOT NULL,
                        user TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        outcome TEXT,
                        PRIMARY KEY (service, revision)
                    );
                    CREATE TABLE event (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        time TEXT NOT NULL,
                        type TEXT NOT NULL,
                        objectKind TEXT NOT NULL,
                        objectName TEXT NOT NULL,
                        reason TEXT NOT NULL,
                        message TEXT NOT NULL,
                        generation INTEGER
                    );
                    CREATE INDEX event_object ON event(objectKind, objectName);
                    CREATE TABLE runLock (
                        id INTEGER PRIMARY KEY CHECK (id = 1),
                        pid INTEGER NOT NULL,
                        processStart INTEGER,
                        host TEXT NOT NULL,
                        command TEXT NOT NULL,
                        since TEXT NOT NULL
                    );
                    """)
        }

        migrator.registerMigration("v2-node-facts-and-host-keys") { db in
            try db.execute(
                sql: """
                    CREATE TABLE nodeFact (
                        node TEXT PRIMARY KEY,
                        reachable INTEGER,
                        lastSeen TEXT,
                        lastContact TEXT,
                        os TEXT,
                        arch TEXT,
                        hostKeyFingerprint TEXT,
                        lastError TEXT
                    );
                    CREATE TABLE hostKey (
                        node TEXT PRIMARY KEY,
                        keyType TEXT NOT NULL,
                        publicKey TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        trustedAt TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v3-observations-and-rollouts") { db in
            try db.execute(
                sql: """
                    CREATE TABLE nodeService (
                        node TEXT NOT NULL,
                        service TEXT NOT NULL,
                        current TEXT,
                        previous TEXT,
                        process TEXT NOT NULL,
                        drifted INTEGER NOT NULL,
                        observedAt TEXT NOT NULL,
                        lastError TEXT,
                        PRIMARY KEY (node, service)
                    );
                    CREATE TABLE rollout (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        service TEXT NOT NULL,
                        revision INTEGER,
                        release TEXT NOT NULL,
                        state TEXT NOT NULL,
                        startedAt TEXT NOT NULL,
                        finishedAt TEXT,
                        command TEXT NOT NULL,
                        message TEXT
                    );
                    CREATE INDEX rollout_service ON rollout(service, id);
                    CREATE TABLE rolloutStep (
                        rollout INTEGER NOT NULL REFERENCES rollout(id),
                        node TEXT NOT NULL,
                        step TEXT NOT NULL,
                        fromRelease TEXT,
                        at TEXT NOT NULL,
                        message TEXT
                    );
                    CREATE INDEX rolloutStep_rollout ON rolloutStep(rollout);
                    CREATE TABLE servicePause (
                        service TEXT PRIMARY KEY,
                        since TEXT NOT NULL,
                        by TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v4-observation-since-and-drift-cause") { db in
            // since: when the node's state for the service (release, process, drift) last changed;
            // driftCause: what the drift check found, for `status` to say why a node is Drifted.
            try db.execute(
                sql: """
                    ALTER TABLE nodeService ADD COLUMN since TEXT;
                    ALTER TABLE nodeService ADD COLUMN driftCause TEXT;
                    UPDATE nodeService SET since = observedAt;
                    """)
        }
        migrator.registerMigration("v5-units-and-restarts") { db in
            // unit: the digest of the unit the node runs; restarts…lastExitAt: what its supervisor
            // reported. unit: the fields of each unit seen (no secret values), to say what changed.
            try db.execute(
                sql: """
                    ALTER TABLE nodeService ADD COLUMN unit TEXT;
                    ALTER TABLE nodeService ADD COLUMN restarts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE nodeService ADD COLUMN recentRestarts INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE nodeService ADD COLUMN lastExit INTEGER;
                    ALTER TABLE nodeService ADD COLUMN lastExitAt TEXT;
                    CREATE TABLE unit (
                        digest TEXT PRIMARY KEY,
                        fields TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v6-runtime-and-exit-reason") { db in
            // runtime: how the node runs services (systemd, or edgectl's supervisor and its boot
            // hook); lastExitReason: what ended the service's process when the node knows (oom-kill).
            try db.execute(
                sql: """
                    ALTER TABLE nodeFact ADD COLUMN runtime TEXT;
                    ALTER TABLE nodeService ADD COLUMN lastExitReason TEXT;
                    """)
        }
        migrator.registerMigration("v7-node-reverts") { db in
            // revertedAt/revertReason: when a node last went back by itself from an attempt
            // edgectl did not confirm (confirmed activation), and why.
            try db.execute(
                sql: """
                    ALTER TABLE nodeService ADD COLUMN revertedAt TEXT;
                    ALTER TABLE nodeService ADD COLUMN revertReason TEXT;
                    """)
        }
        migrator.registerMigration("v8-lock-lease-and-settings") { db in
            // The run lock gains a lease (renewed by its holder, taken over once it runs out), the
            // holder's user and a token naming one holding. setting: small named values (the
            // secret fingerprint key lives here on a shared PostgreSQL state).
            try db.execute(
                sql: """
                    ALTER TABLE runLock ADD COLUMN holderUser TEXT;
                    ALTER TABLE runLock ADD COLUMN expiresAt TEXT;
                    ALTER TABLE runLock ADD COLUMN token TEXT;
                    CREATE TABLE setting (
                        name TEXT PRIMARY KEY,
                        value TEXT NOT NULL
                    );
                    """)
        }
        migrator.registerMigration("v9-lock-session") { db in
            // The server session whose advisory lock keeps a holding (PostgreSQL only; kept
            // here so both schemas read the same row).
            try db.execute(sql: "ALTER TABLE runLock ADD COLUMN session INTEGER")
        }
        migrator.registerMigration("v10-node-failures") { db in
            // A node's last failed attempt of a service: how it ended and its last output.
            try db.execute(
                sql: """
                    CREATE TABLE nodeFailure (
                        node TEXT NOT NULL,
                        service TEXT NOT NULL,
                        at TEXT NOT NULL,
                        release TEXT,
                        exitCode INTEGER,
                        exitSignal INTEGER,
                        running INTEGER NOT NULL DEFAULT 0,
                        reason TEXT NOT NULL,
                        output TEXT NOT NULL,
                        PRIMARY KEY (node, service)
                    )
                    """)
        }
        return migrator
    }
}
