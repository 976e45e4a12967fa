import CLibSSH
