"""A scriptable SSH server for the cases OpenSSH cannot script: password and
keyboard-interactive logins with known answers, and a server whose banner and prompts carry
terminal control sequences (mode "hostile-text"), and one that asks for a password change (mode
"passwd-change"). Started by AsyncSshServer.cs as
/usr/bin/python3 asyncssh_server.py PORT HOSTKEY MODE [LOGIN-TIMEOUT]; prints READY when listening."""
import asyncio
import sys

import asyncssh

USER = "hoptest"
PASSWORD = "hop-Test-pw-1"
OTP = "424242"
# Mode "passwd-change": the password is right but expired; the server asks for a change
# (SSH_MSG_USERAUTH_PASSWD_CHANGEREQ) and takes NEW_PASSWORD, asking again for any other new one.
NEW_PASSWORD = "hop-New-pw-2"
EXPIRED = "Your password has expired; choose a new one."
RETRY = "That new password is not acceptable; try another."

# Text a hostile server shows the user: an OSC 52 clipboard write, a title change, a screen clear,
# a carriage return over the line, a backslash, a bell and a backspace, and UTF-8 letters.
HOSTILE = "A\x1b]52;c;aG9wCg==\x07B\x1b]0;pwned\x07C\x1b[2JD\rE\\F\x08G\x7fH\u00e9I"


class Server(asyncssh.SSHServer):
    def __init__(self, mode):
        self.mode = mode

    def connection_made(self, conn):
        self.conn = conn

    def begin_auth(self, username):
        if self.mode == "hostile-text":
            self.conn.send_auth_banner("banner " + HOSTILE + "\n")
        return True

    def password_auth_supported(self):
        return self.mode in ("password", "both", "passwd-change")

    def validate_password(self, username, password):
        # Any user name will do in this mode, to show how ssh clips long ones in its prompts.
        if self.mode == "passwd-change" and password == PASSWORD:
            raise asyncssh.PasswordChangeRequired(EXPIRED)
        return username == USER and password == PASSWORD

    def change_password(self, username, old_password, new_password):
        if self.mode != "passwd-change" or old_password != PASSWORD:
            return False
        if new_password != NEW_PASSWORD:
            raise asyncssh.PasswordChangeRequired(RETRY)
        return True

    def kbdint_auth_supported(self):
        return self.mode in ("kbdint", "both", "hostile-text")

    def get_kbdint_challenge(self, username, lang, submethods):
        if self.mode == "hostile-text":
            return ("name " + HOSTILE, "instruction " + HOSTILE, "en-US",
                    [("Password " + HOSTILE + ": ", False), ("One-time code: ", True)])
        # The submethods the client asked for (KbdInteractiveDevices) show in the first prompt.
        password = f"Password (submethods {submethods}): " if submethods else "Password: "
        return ("Hop test", "Answer both prompts", "en-US",
                [(password, False), ("One-time code: ", True)])

    def validate_kbdint_response(self, username, responses):
        return username == USER and list(responses) == [PASSWORD, OTP]


async def handle(process):
    process.stdout.write(f"asyncssh ran: {process.command}\n")
    process.exit(0)


async def main():
    port, hostkey, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    # An optional fourth argument: seconds a client may take to log in (AsyncSSH's default is 2 minutes).
    login_timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 120
    await asyncssh.create_server(lambda: Server(mode), "127.0.0.1", port,
                                 server_host_keys=[hostkey], process_factory=handle,
                                 login_timeout=login_timeout)
    print("READY", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
