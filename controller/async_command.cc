#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/async_command.h"

#include "controller/spawn_attributes.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tuneup {

namespace asio = boost::asio;

namespace {

struct Command {
  Command(asio::io_context& io) : out(io), err(io), timer(io) {}
  std::vector<std::string> argv;
  std::function<void(const CommandResult&)> done;
  pid_t pid = -1;
  asio::posix::stream_descriptor out;
  asio::posix::stream_descriptor err;
  asio::steady_timer timer;
  std::array<char, 4096> out_buffer;
  std::array<char, 4096> err_buffer;
  bool out_open = true;
  bool err_open = true;
  bool reaped = false;
  bool timed_out = false;
  int wait_status = 0;
  CommandResult result;
};

}  // namespace

struct CommandRunner::Impl : std::enable_shared_from_this<CommandRunner::Impl> {
  Impl(asio::io_context& io_context, CommandRunnerOptions opts)
      : io(io_context), options(std::move(opts)), sigchld(io_context, SIGCHLD) {}

  asio::io_context& io;
  CommandRunnerOptions options;
  asio::signal_set sigchld;
  bool waiting = false;
  std::deque<std::shared_ptr<Command>> queue;
  std::map<pid_t, std::shared_ptr<Command>> running;

  void StartQueued() {
    while (!queue.empty() && running.size() < std::max<size_t>(1, options.max_running)) {
      std::shared_ptr<Command> command = std::move(queue.front());
      queue.pop_front();
      Start(command);
    }
    WaitForChildren();
  }

  void WaitForChildren() {
    if (waiting) return;
    if (running.empty()) {
      boost::system::error_code ignored;
      sigchld.cancel(ignored);
      return;
    }
    waiting = true;
    sigchld.async_wait([weak = weak_from_this()](const boost::system::error_code& ec, int) {
      auto self = weak.lock();
      if (!self) return;
      self->waiting = false;
      if (!ec) self->Reap();
      self->WaitForChildren();
    });
  }

  void Reap() {
    std::vector<std::shared_ptr<Command>> exited;
    for (auto& [pid, command] : running) {
      if (command->reaped) continue;
      int status = 0;
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        command->reaped = true;
        command->wait_status = status;
        exited.push_back(command);
      }
    }
    for (auto& command : exited)
      MaybeFinish(command);
  }

  void Fail(const std::shared_ptr<Command>& command, std::string error) {
    command->result.error = std::move(error);
    asio::post(io, [command, weak = weak_from_this()] {
      auto self = weak.lock();
      if (!self) return;
      if (command->done) command->done(command->result);
      self->StartQueued();
    });
  }

  void Start(const std::shared_ptr<Command>& command) {
    std::string program = command->argv.front();
    if (!options.directory.empty() && program.find('/') == std::string::npos)
      program = options.directory + "/" + program;
    int out_pipe[2];
    int err_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
      Fail(command, std::string("pipe: ") + std::strerror(errno));
      return;
    }
    if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
      ::close(out_pipe[0]);
      ::close(out_pipe[1]);
      Fail(command, std::string("pipe: ") + std::strerror(errno));
      return;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    CleanSignalsSpawnAttributes attr;
    std::vector<char*> argv;
    for (auto& arg : command->argv)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, program.c_str(), &actions, attr.get(), argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    if (rc != 0) {
      ::close(out_pipe[0]);
      ::close(err_pipe[0]);
      Fail(command, "cannot run " + program + ": " + std::strerror(rc));
      return;
    }
    command->pid = pid;
    command->out.assign(out_pipe[0]);
    command->err.assign(err_pipe[0]);
    running[pid] = command;
    Read(command, true);
    Read(command, false);
    command->timer.expires_after(options.timeout);
    command->timer.async_wait([command](const boost::system::error_code& ec) {
      if (ec || command->reaped) return;
      command->timed_out = true;
      ::kill(command->pid, SIGKILL);
    });
    // A SIGCHLD that came before the command was registered has been handled already: look now.
    asio::post(io, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->Reap();
    });
  }

  void Read(const std::shared_ptr<Command>& command, bool is_out) {
    auto& descriptor = is_out ? command->out : command->err;
    auto& buffer = is_out ? command->out_buffer : command->err_buffer;
    descriptor.async_read_some(
        asio::buffer(buffer),
        [weak = weak_from_this(), command, is_out](const boost::system::error_code& ec, size_t n) {
          auto self = weak.lock();
          if (!self) return;
          if (n > 0) {
            (is_out ? command->result.out : command->result.err)
                .append((is_out ? command->out_buffer : command->err_buffer).data(), n);
          }
          if (!ec) {
            self->Read(command, is_out);
            return;
          }
          (is_out ? command->out_open : command->err_open) = false;
          // Usually the command has exited by now; its SIGCHLD may not have been handled yet.
          self->Reap();
          self->MaybeFinish(command);
        });
  }

  void MaybeFinish(const std::shared_ptr<Command>& command) {
    if (!command->reaped || command->out_open || command->err_open) return;
    if (running.erase(command->pid) == 0) return;  // finished already
    command->timer.cancel();
    boost::system::error_code ignored;
    command->out.close(ignored);
    command->err.close(ignored);
    CommandResult& result = command->result;
    const int status = command->wait_status;
    if (command->timed_out) {
      result.error = "did not end within " + std::to_string(options.timeout.count()) + " ms";
    } else if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      result.error = "killed by signal " + std::to_string(WTERMSIG(status));
    }
    if (command->done) command->done(result);
    StartQueued();
  }
};

CommandRunner::CommandRunner(asio::io_context& io, CommandRunnerOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

CommandRunner::~CommandRunner() {
  for (auto& [pid, command] : impl_->running) {
    // Nothing of it may keep the event loop busy: its timer and reads end here.
    command->timer.cancel();
    boost::system::error_code ignored;
    command->out.close(ignored);
    command->err.close(ignored);
    if (command->reaped) continue;
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
  boost::system::error_code ignored;
  impl_->sigchld.cancel(ignored);
}

void CommandRunner::Run(std::vector<std::string> argv,
                        std::function<void(const CommandResult&)> done) {
  auto command = std::make_shared<Command>(impl_->io);
  command->argv = std::move(argv);
  command->done = std::move(done);
  if (command->argv.empty()) {
    impl_->Fail(command, "no command");
    return;
  }
  impl_->queue.push_back(std::move(command));
  impl_->StartQueued();
}

size_t CommandRunner::pending() const {
  return impl_->queue.size() + impl_->running.size();
}

std::string CommandLine(const std::vector<std::string>& argv) {
  std::string line;
  for (const auto& arg : argv) {
    if (!line.empty()) line += ' ';
    bool plain = !arg.empty();
    for (char c : arg) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || std::strchr("-_./=:,%+@", c))) {
        plain = false;
        break;
      }
    }
    if (plain) {
      line += arg;
    } else {
      line += '\'';
      for (char c : arg)
        line += c == '\'' ? std::string("'\\''") : std::string(1, c);
      line += '\'';
    }
  }
  return line;
}

}  // namespace tuneup
