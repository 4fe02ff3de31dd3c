# Our own code builds warning-free; generated protobuf code is left to its generator.
function(probation_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
