"""A scriptable SSH server for the cases OpenSSH cannot script: password and
keyboard-interactive logins with known answers. Started by AsyncSshServer.cs as
/usr/bin/python3 asyncssh_server.py PORT HOSTKEY MODE; prints READY when listening."""
import asyncio
import sys

import asyncssh

USER = "hoptest"
PASSWORD = "hop-Test-pw-1"
OTP = "424242"


class Server(asyncssh.SSHServer):
    def __init__(self, mode):
        self.mode = mode

    def begin_auth(self, username):
        return True

    def password_auth_supported(self):
        return self.mode in ("password", "both")

    def validate_password(self, username, password):
        return username == USER and password == PASSWORD

    def kbdint_auth_supported(self):
        return self.mode in ("kbdint", "both")

    def get_kbdint_challenge(self, username, lang, submethods):
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
    await asyncssh.create_server(lambda: Server(mode), "127.0.0.1", port,
                                 server_host_keys=[hostkey], process_factory=handle)
    print("READY", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
