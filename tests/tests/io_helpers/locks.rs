//! `flock`: guards, contention in one process and across processes, cancellation.

use super::*;

/// Whether some fd of this process is open on `path`.
fn has_open_fd(path: &Path) -> bool {
    std::fs::read_dir("/proc/self/fd").unwrap().flatten().any(|e| std::fs::read_link(e.path()).is_ok_and(|t| t == path))
}

#[test]
fn flock_creates_a_missing_file_and_never_truncates() {
    let dir = temp_dir("flock-create");
    let (fresh, kept) = (dir.join("fresh"), dir.join("kept"));
    std::fs::write(&kept, "keep me").unwrap();
    block_on(async {
        let a = flock(&fresh, LockMode::Exclusive, None).await.unwrap();
        let b = flock(&kept, LockMode::Exclusive, None).await.unwrap();
        assert_eq!((a.path(), a.mode()), (fresh.as_path(), LockMode::Exclusive));
        a.unlock().unwrap();
        drop(b);
    });
    assert_eq!(std::fs::read(&fresh).unwrap(), b"");
    assert_eq!(std::fs::read(&kept).unwrap(), b"keep me");
    assert!(!has_open_fd(&fresh) && !has_open_fd(&kept), "unlock and drop close the file");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn shared_locks_coexist_and_an_exclusive_one_waits_for_every_holder() {
    let dir = temp_dir("flock-tasks");
    let path = dir.join("lock");
    block_on(async {
        let first = flock(&path, LockMode::Shared, None).await.unwrap();
        let second = flock(&path, LockMode::Shared, None).await.unwrap();
        let start = Instant::now();
        let writer = spawn(flock(path.clone(), LockMode::Exclusive, Duration::from_millis(2)));
        sleep(Duration::from_millis(20)).await;
        drop(first);
        sleep(Duration::from_millis(20)).await;
        assert!(!writer.is_finished(), "one shared holder is left");
        drop(second);
        let exclusive = writer.await.unwrap().unwrap();
        assert!(start.elapsed() >= Duration::from_millis(40));
        // And now a shared lock waits for the exclusive one.
        let reader = spawn(flock(path.clone(), LockMode::Shared, Duration::from_millis(2)));
        sleep(Duration::from_millis(10)).await;
        assert!(!reader.is_finished());
        drop(exclusive);
        drop(reader.await.unwrap().unwrap());
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn dropping_a_waiting_flock_closes_its_file_and_takes_no_lock() {
    let dir = temp_dir("flock-cancel");
    let path = dir.join("lock");
    block_on(async {
        let holder = flock(&path, LockMode::Exclusive, None).await.unwrap();
        let waiting = Box::pin(flock(&path, LockMode::Exclusive, Duration::from_millis(1)));
        match select(waiting, Box::pin(sleep(Duration::from_millis(20)))).await {
            Either::Left(_) => panic!("got a lock that is held"),
            Either::Right(((), waiting)) => drop(waiting), // the timeout wins: cancel
        }
        drop(holder);
    });
    assert!(!has_open_fd(&path), "the cancelled flock closed its file");
    File::open(&path).unwrap().try_lock().expect("nobody holds the lock");
    std::fs::remove_dir_all(dir).unwrap();
}

/// Starts a child holding `mode` on `path`; returns it once it says it holds the lock.
fn lock_holder(path: &Path, mode: &str) -> (Child, BufReader<std::process::ChildStdout>) {
    let args = ["hold-lock", path.to_str().unwrap(), mode];
    let mut holder = child_cmd(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap();
    let mut out = BufReader::new(holder.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "locked\n");
    (holder, out)
}

#[test]
fn locks_contend_across_processes() {
    let dir = temp_dir("flock-processes");
    let path = dir.join("lock");
    let reactor = Reactor::new().unwrap();

    // Shared + shared: both hold at once; an exclusive one waits.
    let (mut holder, _out) = lock_holder(&path, "shared");
    reactor
        .block_on(async {
            let ours = flock(&path, LockMode::Shared, None).await.unwrap();
            drop(ours);
            let exclusive = Box::pin(flock(&path, LockMode::Exclusive, Duration::from_millis(2)));
            assert!(matches!(select(exclusive, Box::pin(sleep(Duration::from_millis(20)))).await, Either::Right(_)));
        })
        .unwrap();
    drop(holder.stdin.take()); // EOF: the child unlocks and exits
    assert!(wait_within(&mut holder, Duration::from_secs(5)).success());

    // Exclusive: we wait until the other process lets go.
    let (mut holder, mut out) = lock_holder(&path, "exclusive");
    let stdin = holder.stdin.take().unwrap();
    let start = Instant::now(); // before the releaser starts counting: the bound below holds
    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        drop(stdin);
    });
    let lock = reactor.block_on(flock(&path, LockMode::Exclusive, Duration::from_millis(2))).unwrap().unwrap();
    assert!(start.elapsed() >= Duration::from_millis(30), "waited for the other process");
    drop(lock);
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    assert_eq!(line, "unlocked\n");
    releaser.join().unwrap();
    assert!(wait_within(&mut holder, Duration::from_secs(5)).success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn flock_on_a_directory_or_a_missing_directory_is_a_typed_error() {
    let dir = temp_dir("flock-bad");
    block_on(async {
        let err = flock(&dir, LockMode::Shared, None).await.unwrap_err();
        println!("flock(directory): {err}");
        assert!(matches!(&err, FlockError::IsADirectory(p) if *p == dir), "{err:?}");
        let err = flock(dir.join("no/such/dir"), LockMode::Shared, None).await.unwrap_err();
        println!("flock(missing directory): {err}");
        assert!(matches!(&err, FlockError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound));
        assert_eq!(std::io::Error::from(err).kind(), std::io::ErrorKind::NotFound);
    });
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_path_without_permission_is_a_typed_error_for_flock_and_reads() {
    let dir = temp_dir("denied");
    let path = dir.join("secret");
    std::fs::write(&path, "secret").unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut command = child_cmd(&["denied", path.to_str().unwrap()]);
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        command.uid(65534).gid(65534); // root may open anything: try as nobody
    } else {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o000)).unwrap();
    }
    let out = command.output().unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    println!("{out}");
    assert!(out.contains("flock:Err(PermissionDenied {"), "{out}");
    assert!(out.contains("read:Err(File {") && out.contains("kind: PermissionDenied"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}
