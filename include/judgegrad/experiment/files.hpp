/// @file
/// How a run directory is written so that a killed process or a full disk loses nothing already
/// done: appends that reach the disk (fsync) before the step counts as finished, summaries written
/// to a temporary file and renamed over the old one, logs cut back to their last finished step on
/// resume, and a lock that keeps a second process out. Every failure is a storage_error naming
/// the file and the system's reason.
#pragma once

#include <judgegrad/config.hpp>

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

JUDGEGRAD_BEGIN_NAMESPACE
namespace experiment {

/// A file of a run directory could not be written or read (a full disk, a permission, a missing
/// file): the message names the file and the reason.
struct storage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Throws a storage_error about a file that cannot be used as it is: "<file>: <what>".
[[noreturn]] inline void bad_file(const std::filesystem::path& file, std::string_view what) {
  throw storage_error(fmt::format("{}: {}", file.string(), what));
}

/// The name and version of the directory format; a directory of another version is refused.
inline constexpr std::string_view directory_format = "judgegrad-run-directory";
inline constexpr int directory_format_version = 1;

/// The current time as ISO 8601 UTC ("2026-12-01T21:10:00Z"); fields holding it end in `_at`.
inline std::string now_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

/// The names of a run directory's files: DIR/experiment.json, DIR/events.jsonl, ...; and of each
/// run's, under DIR/runs/<id>/.
namespace run_files {
inline constexpr std::string_view manifest = "experiment.json";  ///< what the experiment is, on what data, through what backend
inline constexpr std::string_view events = "events.jsonl";       ///< starts, resumes and stops, with their times
inline constexpr std::string_view results = "results";           ///< the folder of reports (table1.md, ...)
inline constexpr std::string_view runs = "runs";                ///< the folder of runs in a run directory
inline constexpr std::string_view summary = "summary.json";    ///< per step: test metrics and the prompt in force
inline constexpr std::string_view steps = "steps.jsonl";        ///< one line per finished step
inline constexpr std::string_view predictions = "predictions.jsonl";  ///< one line per judged item of every evaluation made
inline constexpr std::string_view state = "state.json";        ///< where the run stands
}  // namespace run_files

namespace files {

namespace detail {
[[noreturn]] inline void fail(std::string_view what, const std::filesystem::path& file, int code) {
  throw storage_error(fmt::format("{} {}: {}", what, file.string(), std::strerror(code)));
}

inline void write_all(int fd, std::string_view text, const std::filesystem::path& file) {
  while (!text.empty()) {
    ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      int code = errno;
      ::close(fd);
      fail("cannot write", file, code);
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

inline void sync_and_close(int fd, const std::filesystem::path& file) {
  if (::fsync(fd) != 0 && errno != EINVAL) {  // EINVAL: a file that cannot be synced (a pipe, /dev/full's peers)
    int code = errno;
    ::close(fd);
    fail("cannot write", file, code);
  }
  if (::close(fd) != 0) fail("cannot write", file, errno);
}

inline void sync_directory(const std::filesystem::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}
}  // namespace detail

/// Appends `text` to `file` (created when missing) and waits until it is on the disk.
inline void append_durable(const std::filesystem::path& file, std::string_view text) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) detail::fail("cannot open", file, errno);
  detail::write_all(fd, text, file);
  detail::sync_and_close(fd, file);
}

/// Replaces `file` by `text` atomically: a reader sees the old content or the new, never a mix,
/// whenever the process dies. The temporary file is `file` + ".tmp". `durable` false skips the
/// waits for the disk: the replacement still survives the process (a kill -9), not a power cut.
inline void write_atomic(const std::filesystem::path& file, std::string_view text, bool durable = true) {
  std::filesystem::path tmp = file;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) detail::fail("cannot open", tmp, errno);
  detail::write_all(fd, text, tmp);
  if (durable) {
    detail::sync_and_close(fd, tmp);
  } else if (::close(fd) != 0) {
    detail::fail("cannot write", tmp, errno);
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {
    int code = errno;
    ::unlink(tmp.c_str());
    detail::fail("cannot replace", file, code);
  }
  if (durable) detail::sync_directory(file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path());
}

/// The whole content of `file`.
inline std::string read_all(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) detail::fail("cannot read", file, errno ? errno : ENOENT);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Keeps the first `lines` lines of `file` (a missing file is left missing when `lines` is 0):
/// what was appended after the last finished step goes.
inline void keep_lines(const std::filesystem::path& file, std::size_t lines) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) {
    if (lines == 0) return;
    throw storage_error(fmt::format("{}: missing, yet the run's state counts {} lines in it", file.string(), lines));
  }
  std::string text = read_all(file);
  std::size_t at = 0;
  for (std::size_t k = 0; k < lines; ++k) {
    auto nl = text.find('\n', at);
    if (nl == std::string::npos)
      throw storage_error(fmt::format("{}: holds fewer lines than the run's state counts ({}): the directory was changed by hand?",
                                      file.string(), lines));
    at = nl + 1;
  }
  if (at == text.size()) return;
  if (::truncate(file.c_str(), static_cast<off_t>(at)) != 0) detail::fail("cannot shorten", file, errno);
}

/// An exclusive lock on a directory, held while the object lives: a second process that asks for
/// it is refused with the holder's process id.
class directory_lock {
 public:
  explicit directory_lock(const std::filesystem::path& dir) : path_(dir / "lock") {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) detail::fail("cannot open", path_, errno);
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      int code = errno;
      char pid[32] = {};
      ssize_t n = ::pread(fd_, pid, sizeof(pid) - 1, 0);
      ::close(fd_);
      fd_ = -1;
      if (code == EWOULDBLOCK) {
        std::string holder = n > 0 ? std::string(pid, static_cast<std::size_t>(n)) : std::string("?");
        while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
        throw storage_error(fmt::format("{} is in use by another judgegrad process (pid {}); wait for it to end or stop it, then resume",
                                        dir.string(), holder));
      }
      detail::fail("cannot lock", path_, code);
    }
    std::string me = fmt::format("{}\n", ::getpid());
    if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, me.data(), me.size(), 0);
  }
  directory_lock(const directory_lock&) = delete;
  directory_lock& operator=(const directory_lock&) = delete;
  ~directory_lock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

}  // namespace files
}  // namespace experiment
JUDGEGRAD_END_NAMESPACE
