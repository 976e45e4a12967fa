internal import CLibSSH
import Foundation

extension SSHSession {
    /// Creates an empty file at `path` (which must not exist yet) through the SFTP subsystem:
    /// proof that a connection made now gets in, without starting the login shell.
    /// Throws a `.transfer` error when the node has no SFTP subsystem (the caller falls back).
    public func createMarker(at path: String) throws {
        guard let sftp = sftp_new(session) else { throw fail(.transfer, "cannot open an SFTP session: \(lastError)") }
        defer { sftp_free(sftp) }
        guard sftp_init(sftp) == SSH_OK else { throw fail(.transfer, "the node offers no SFTP subsystem: \(lastError)") }
        guard let file = sftp_open(sftp, path, O_WRONLY | O_CREAT | O_EXCL, 0o600) else {
            throw fail(.transfer, "cannot create \(path) over SFTP (error \(sftp_get_error(sftp)))")
        }
        sftp_close(file)
    }
}
