internal import CLibSSH
import Foundation

/// An SFTP channel on a session, for the empty file a confirmation leaves where the node's
/// sshd forwards nothing: proof that a connection made now gets in. With `internal-sftp` it
/// starts nothing on the node; an external `sftp-server` is started through the login shell.
public final class SFTPMarker {
    private let session: SSHSession
    private let sftp: sftp_session

    /// Throws a `.transfer` error when the node has no SFTP subsystem (the caller falls back).
    public init(on session: SSHSession) throws {
        guard let sftp = sftp_new(session.session) else { throw session.fail(.transfer, "cannot open an SFTP session: \(session.lastError)") }
        guard sftp_init(sftp) == SSH_OK else {
            let error = session.fail(.transfer, "the node offers no SFTP subsystem: \(session.lastError)")
            sftp_free(sftp)
            throw error
        }
        self.session = session
        self.sftp = sftp
    }

    deinit { sftp_free(sftp) }

    /// Creates an empty file at `path`, which must not exist yet.
    public func create(at path: String) throws {
        guard let file = sftp_open(sftp, path, O_WRONLY | O_CREAT | O_EXCL, 0o600) else {
            throw session.fail(.transfer, "cannot create \(path) over SFTP (error \(sftp_get_error(sftp)))")
        }
        sftp_close(file)
    }
}
