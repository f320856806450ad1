// worker_call: a small gRPC client of the worker, for the sessions that
// docs/worker.md shows (and the docs test runs again). It sends a RunJob
// whose request is protobuf text (a file), prints every event the worker
// streams back as text, then the call's status:
//
//   worker_call ADDRESS REQUEST.txt [--token TOKEN] [--beside REQUEST2.txt]
//
// A request without `program` takes the text of the file its `file_name`
// names (relative to the current directory), so that a request file stays
// short.
// Each event prints as `event {`, the JobEvent in text format, `}`; the end
// as `status: CODE` (0 is OK) and the status message, if any. --beside
// sends REQUEST2.txt as a second call once the first is accepted (a job
// beside a running one), prints that call's events and status, then goes
// on with the first call to its end. Exit status: 0 when every call ended
// with a status (whatever its code), 2 for a usage error or a request that
// does not parse.
#include <google/protobuf/text_format.h>
#include <grpcpp/grpcpp.h>

#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "farm.grpc.pb.h"

namespace {

using gene::farm::v1::JobEvent;
using gene::farm::v1::JobRequest;
using gene::farm::v1::Worker;

int usage(const std::string& why) {
  std::cerr << "worker_call: " << why << "\nusage: worker_call ADDRESS REQUEST.txt [--token TOKEN] [--beside REQUEST2.txt]\n";
  return 2;
}

std::optional<JobRequest> read_request(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "worker_call: cannot read " << path << "\n";
    return std::nullopt;
  }
  std::stringstream text;
  text << in.rdbuf();
  JobRequest request;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &request)) {
    std::cerr << "worker_call: " << path << " is not a JobRequest in protobuf text format\n";
    return std::nullopt;
  }
  if (request.program().empty() && !request.file_name().empty()) {
    std::ifstream program(request.file_name());
    if (!program) {
      std::cerr << "worker_call: cannot read " << request.file_name() << " (the request's file_name)\n";
      return std::nullopt;
    }
    std::stringstream source;
    source << program.rdbuf();
    request.set_program(source.str());
  }
  return request;
}

void print_event(const JobEvent& event) {
  std::string text;
  google::protobuf::TextFormat::PrintToString(event, &text);
  std::cout << "event {\n" << text << "}\n";
}

void print_status(const grpc::Status& status) {
  std::cout << "status: " << int(status.error_code());
  if (!status.error_message().empty()) std::cout << " " << status.error_message();
  std::cout << "\n";
}

// One RunJob call, its events read as they come.
struct Call {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<JobEvent>> reader;

  Call(Worker::Stub& stub, const JobRequest& request, const std::string& token) {
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    reader = stub.RunJob(&context, request);
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string address, request_path, token, beside_path;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (arg == "--token") {
      if (!value(token)) return usage("--token needs a value");
    } else if (arg == "--beside") {
      if (!value(beside_path)) return usage("--beside needs a file");
    } else if (arg.rfind("--", 0) == 0) {
      return usage("unknown option " + arg);
    } else if (address.empty()) {
      address = arg;
    } else if (request_path.empty()) {
      request_path = arg;
    } else {
      return usage("one request file only (a second call: --beside)");
    }
  }
  if (address.empty() || request_path.empty()) return usage("ADDRESS and REQUEST.txt are needed");
  auto request = read_request(request_path);
  if (!request) return 2;
  std::optional<JobRequest> beside;
  if (!beside_path.empty() && !(beside = read_request(beside_path))) return 2;

  auto stub = Worker::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  Call first(*stub, *request, token);
  JobEvent event;
  while (first.reader->Read(&event)) {
    print_event(event);
    if (beside && event.has_accepted()) {
      Call second(*stub, *beside, token);
      while (second.reader->Read(&event)) print_event(event);
      print_status(second.reader->Finish());
      beside.reset();
    }
  }
  print_status(first.reader->Finish());
  return 0;
}
