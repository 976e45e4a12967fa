/// The PostgreSQL schema's history: its own append-only list (a shipped migration is never
/// edited). The first one is the SQLite schema as it stood at its v8, in PostgreSQL's types:
/// BIGINT for integers, TEXT for text and times, BIGSERIAL for the ids SQLite numbers itself,
/// and an id on `rolloutStep` where SQLite orders by `rowid`. Unquoted names are folded to
/// lower case by the server and read back case-blind; `user` and `by` are quoted (reserved).
enum PostgresMigrations {
    static let all: [(name: String, statements: [String])] = [
        (
            "p1-schema",
            [
                """
                CREATE TABLE generation (
                    id BIGSERIAL PRIMARY KEY, createdAt TEXT NOT NULL, command TEXT NOT NULL, "user" TEXT NOT NULL, host TEXT NOT NULL)
                """,
                """
                CREATE TABLE resource (
                    kind TEXT NOT NULL, name TEXT NOT NULL, labels TEXT NOT NULL, spec TEXT NOT NULL, release TEXT,
                    generation BIGINT NOT NULL, appliedGeneration BIGINT NOT NULL REFERENCES generation(id),
                    sourceFile TEXT, sourceLine BIGINT, createdAt TEXT NOT NULL, updatedAt TEXT NOT NULL, PRIMARY KEY (kind, name))
                """,
                """
                CREATE TABLE release (
                    digest TEXT NOT NULL, service TEXT NOT NULL, version TEXT, fileCount BIGINT NOT NULL, size BIGINT NOT NULL,
                    entries TEXT NOT NULL, createdAt TEXT NOT NULL, PRIMARY KEY (digest, service))
                """,
                """
                CREATE TABLE revision (
                    service TEXT NOT NULL, revision BIGINT NOT NULL, spec TEXT NOT NULL, release TEXT NOT NULL, version TEXT,
                    generation BIGINT, createdAt TEXT NOT NULL, command TEXT NOT NULL, "user" TEXT NOT NULL, reason TEXT NOT NULL,
                    outcome TEXT, PRIMARY KEY (service, revision))
                """,
                """
                CREATE TABLE event (
                    id BIGSERIAL PRIMARY KEY, time TEXT NOT NULL, type TEXT NOT NULL, objectKind TEXT NOT NULL, objectName TEXT NOT NULL,
                    reason TEXT NOT NULL, message TEXT NOT NULL, generation BIGINT)
                """,
                "CREATE INDEX event_object ON event(objectKind, objectName)",
                """
                CREATE TABLE runLock (
                    id BIGINT PRIMARY KEY CHECK (id = 1), pid BIGINT NOT NULL, processStart BIGINT, host TEXT NOT NULL,
                    command TEXT NOT NULL, since TEXT NOT NULL, holderUser TEXT, expiresAt TEXT, token TEXT)
                """,
                """
                CREATE TABLE nodeFact (
                    node TEXT PRIMARY KEY, reachable BIGINT, lastSeen TEXT, lastContact TEXT, os TEXT, arch TEXT,
                    hostKeyFingerprint TEXT, lastError TEXT, runtime TEXT)
                """,
                """
                CREATE TABLE hostKey (
                    node TEXT PRIMARY KEY, keyType TEXT NOT NULL, publicKey TEXT NOT NULL, fingerprint TEXT NOT NULL, trustedAt TEXT NOT NULL)
                """,
                """
                CREATE TABLE nodeService (
                    node TEXT NOT NULL, service TEXT NOT NULL, current TEXT, previous TEXT, process TEXT NOT NULL,
                    drifted BIGINT NOT NULL, observedAt TEXT NOT NULL, lastError TEXT, since TEXT, driftCause TEXT, unit TEXT,
                    restarts BIGINT NOT NULL DEFAULT 0, recentRestarts BIGINT NOT NULL DEFAULT 0, lastExit BIGINT, lastExitAt TEXT,
                    lastExitReason TEXT, revertedAt TEXT, revertReason TEXT, PRIMARY KEY (node, service))
                """,
                """
                CREATE TABLE rollout (
                    id BIGSERIAL PRIMARY KEY, service TEXT NOT NULL, revision BIGINT, release TEXT NOT NULL, state TEXT NOT NULL,
                    startedAt TEXT NOT NULL, finishedAt TEXT, command TEXT NOT NULL, message TEXT)
                """,
                "CREATE INDEX rollout_service ON rollout(service, id)",
                """
                CREATE TABLE rolloutStep (
                    id BIGSERIAL PRIMARY KEY, rollout BIGINT NOT NULL REFERENCES rollout(id), node TEXT NOT NULL, step TEXT NOT NULL,
                    fromRelease TEXT, at TEXT NOT NULL, message TEXT)
                """,
                "CREATE INDEX rolloutStep_rollout ON rolloutStep(rollout)",
                "CREATE TABLE servicePause (service TEXT PRIMARY KEY, since TEXT NOT NULL, \"by\" TEXT NOT NULL)",
                "CREATE TABLE unit (digest TEXT PRIMARY KEY, fields TEXT NOT NULL)",
                "CREATE TABLE setting (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            ]
        ),
        // The server session (backend pid) whose advisory lock keeps the run lock's holding;
        // NULL in a row written by an edgectl from before the advisory lock.
        ("p2-lock-session", ["ALTER TABLE runLock ADD COLUMN session BIGINT"]),
        // A node's last failed attempt of a service: how it ended and its last output.
        (
            "p3-node-failures",
            [
                """
                CREATE TABLE nodeFailure (
                    node TEXT NOT NULL, service TEXT NOT NULL, at TEXT NOT NULL, release TEXT, exitCode BIGINT, exitSignal BIGINT,
                    running BIGINT NOT NULL DEFAULT 0, reason TEXT NOT NULL, output TEXT NOT NULL, PRIMARY KEY (node, service))
                """
            ]
        ),
    ]
}
