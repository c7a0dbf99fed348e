/** The safety-net port (§7: backups, restores, scratch databases), as the drivers import it; the core owns it. */
export type { BackupTarget, CopyProgress, SafetyNet, ScratchPort, ServerConnectionPorts } from '../core/ports/safety-net.js';
